import { Page } from "./Page";
import type { DashboardView } from "./view";

/** The whole page as an HTML string (JSX stays in the .tsx files). */
export const dashboardPage = (view: DashboardView) => `<!doctype html>${<Page view={view} />}`;
