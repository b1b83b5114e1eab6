// Drives Debian's Chromium (never a downloaded browser) through the dashboard for
// tests/integration/test_dashboard_browser.py, talking over stdin/stdout lines:
//   argv: URL SCREENSHOT_PATH LOST_ID...
//   -> "ok <what>" lines, "lost-seen" once the first lost nodes show, then reads "changed RECOVERED_IDS NEW_LOST_IDS"
//      (comma-separated) and waits for the page to show that change without a reload; "done" at the end.
// Any failure prints "FAIL: <why>" and exits 1.
import { chromium } from "playwright-core";
import readline from "node:readline";

const [url, screenshotPath, ...lostIds] = process.argv.slice(2);
const say = (line) => process.stdout.write(line + "\n");
const fail = (why) => { say("FAIL: " + why); process.exit(1); };

const lines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  // 1. Without JavaScript: the server's HTML alone already lists the lost nodes.
  const bare = await browser.newContext({ javaScriptEnabled: false });
  const plain = await bare.newPage();
  await plain.goto(url);
  for (const id of lostIds) {
    if (await plain.locator(`table.nodes tr[data-instance-id="${id}"][data-condition="lost"]`).count() !== 1) {
      fail(`without a script, lost node ${id} is not in the nodes table`);
    }
  }
  say("ok the page lists the lost nodes before any script runs");
  await bare.close();

  // 2. A phone: nothing wider than the screen (wide tables scroll inside their own box).
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
  const small = await phone.newPage();
  await small.goto(url);
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) fail(`on a 390 px wide screen the page is ${overflow} px too wide`);
  say("ok the page fits a 390 px phone screen");
  await phone.close();

  // 3. The live page: lost nodes first, then the change, without a reload.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const external = [];
  page.on("request", (r) => { if (!r.url().startsWith(new URL(url).origin)) external.push(r.url()); });
  let navigations = 0;
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigations += 1; });
  await page.goto(url);
  await page.evaluate(() => { window.__pingwatchMarker = "same page"; });
  for (const id of lostIds) {
    await page.waitForSelector(`table.nodes tr[data-instance-id="${id}"][data-condition="lost"]`, { timeout: 30000 });
  }
  const firstRows = await page.$$eval("table.nodes tbody tr", (rows) => rows.map((r) => r.dataset.condition));
  const firstHealthy = firstRows.indexOf("healthy");
  if (firstHealthy !== -1 && firstRows.slice(firstHealthy).some((c) => c !== "healthy")) {
    fail("a node that is not healthy is listed after a healthy one: " + firstRows.join(","));
  }
  say("ok the live page shows the lost nodes, not healthy first");
  say("lost-seen");

  const [verb, recoveredText, newLostText] = (await nextLine()).split(" ");
  if (verb !== "changed") fail("expected a 'changed' line");
  const recovered = recoveredText.split(",");
  const newLost = newLostText.split(",");
  await page.waitForFunction(([gone, come]) => {
    const lostNow = (id) => !!document.querySelector(`table.nodes tr[data-instance-id="${id}"][data-condition="lost"]`);
    const healthyNow = (id) => !!document.querySelector(`table.nodes tr[data-instance-id="${id}"][data-condition="healthy"]`) ||
                               !document.querySelector(`table.nodes tr[data-instance-id="${id}"]`);
    return gone.every(healthyNow) && come.every(lostNow);
  }, [recovered, newLost], { timeout: 120000, polling: 500 });
  const marker = await page.evaluate(() => window.__pingwatchMarker);
  if (marker !== "same page" || navigations !== 1) fail(`the page was reloaded (navigations ${navigations})`);
  say("ok the page shows the recoveries and the new lost nodes without a reload");
  for (const id of recovered) {
    const kinds = await page.$$eval(`table.transitions tr[data-instance-id="${id}"]`, (rows) => rows.map((r) => r.dataset.kind));
    if (!kinds.includes("recovered")) fail(`no recovered transition listed for ${id}: ${kinds}`);
  }
  say("ok the transitions table lists the recoveries");
  if (external.length) fail("requests left the server: " + external.join(" "));
  say("ok no request left the pingwatch server");
  await page.screenshot({ path: screenshotPath, fullPage: true });
  say("ok screenshot " + screenshotPath);
  say("done");
} catch (e) {
  fail(e && e.stack ? e.stack.split("\n")[0] : String(e));
} finally {
  await browser.close();
  lines.close();
}
