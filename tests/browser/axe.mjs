// Runs axe-core (WCAG 2 A and AA rules) on each URL given, in Debian's Chromium, and prints
// one JSON object: {url: [{id, impact, help, nodes: [selector, …]}]}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const results = {};
try {
  // The pages forbid inline script (CSP); the checker injects axe, so it is allowed to here.
  const context = await browser.newContext({ bypassCSP: true });
  // Optional signed-in session: EDUHUB_COOKIES is a JSON list of Playwright cookies.
  if (process.env.EDUHUB_COOKIES) {
    await context.addCookies(JSON.parse(process.env.EDUHUB_COOKIES));
  }
  const page = await context.newPage();
  for (const url of process.argv.slice(2)) {
    await page.goto(url, { waitUntil: "load" });
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const found = await window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      });
      return found.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
      }));
    });
    results[url] = violations;
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
