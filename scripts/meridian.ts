// `npx meridian …` / `npm run admin -- …`: the admin CLI (see docs/tenants.md).
import { main } from "./cli/main";

process.exitCode = await main(process.argv.slice(2), process.env, {
  print: (text) => process.stdout.write(`${text}\n`),
  note: (text) => process.stderr.write(`${text}\n`),
});
