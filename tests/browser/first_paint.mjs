// Prints the dashboard's first contentful paint and load timings as JSON (docs/daemon.md's figures):
//   node first_paint.mjs URL [RUNS]
import { chromium } from "playwright-core";

const [url, runsText] = process.argv.slice(2);
const runs = Number(runsText || 3);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const results = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "load" });
  results.push(await page.evaluate(async () => {
    const paint = await new Promise((resolve) => {
      new PerformanceObserver((list) => {
        const fcp = list.getEntriesByName("first-contentful-paint")[0];
        if (fcp) resolve(fcp);
      }).observe({ type: "paint", buffered: true });
      setTimeout(() => resolve(null), 5000);
    });
    const nav = performance.getEntriesByType("navigation")[0];
    return { first_contentful_paint_ms: paint ? Math.round(paint.startTime) : null,
             response_end_ms: Math.round(nav.responseEnd), load_ms: Math.round(nav.loadEventEnd),
             html_bytes: nav.transferSize };
  }));
  await context.close();
}
await browser.close();
console.log(JSON.stringify(results));
