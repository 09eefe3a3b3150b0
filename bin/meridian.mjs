#!/usr/bin/env node
// `npx meridian …` inside this repository: runs the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";

register();
await import("../scripts/meridian.ts");
