// The demo's review in a real browser (Debian's Chromium, headless): no console error, no
// request leaving the page, every chart present and drawn, the headline total equal to the
// JSON's, and a screenshot kept as an artifact. Usage: node review.mjs REVIEW.html REVIEW.json SHOT.png
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [html, json, shot] = process.argv.slice(2);
const review = JSON.parse(readFileSync(json, "utf8"));
const failures = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const pageUrl = pathToFileURL(html).href;
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  // Every request other than the page itself is refused and counted.
  const requests = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(pageUrl, { waitUntil: "load" });
  if (errors.length) failures.push(`console errors: ${errors.join(" | ")}`);
  if (requests.length) failures.push(`requests left the page: ${requests.join(", ")}`);
  // Charts: the daily chart, spend by model, top identities, computed against billed.
  const charts = await page.$$eval("figure.chart", (figs) => figs.map((f) => ({
    label: f.getAttribute("aria-label"),
    marks: f.querySelectorAll("svg rect, svg polyline, svg path, svg line").length,
    texts: f.querySelectorAll("svg text").length,
    width: f.getBoundingClientRect().width,
    height: f.getBoundingClientRect().height,
  })));
  const want = ["Daily spend by model", "Spend by model", "Top identities", "Computed against billed per day"];
  for (const w of want) {
    const c = charts.find((x) => x.label === w);
    if (!c) failures.push(`chart missing: ${w}`);
    else if (c.marks < 10 || c.texts < 5 || c.width < 200 || c.height < 100) {
      failures.push(`chart empty or not drawn: ${JSON.stringify(c)}`);
    }
  }
  // The headline total in the page is the JSON's.
  const total = await page.$eval("#total-spend", (e) => ({ text: e.textContent, usd: e.dataset.usd }));
  if (total.usd !== String(review.headline.spend_usd)) {
    failures.push(`headline total ${total.usd} is not the JSON's ${review.headline.spend_usd}`);
  }
  const cents = Math.round(Number(review.headline.spend_usd) * 100) / 100;
  if (total.text !== `$${cents.toFixed(2)}`) failures.push(`headline text ${total.text} for ${cents}`);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`browser: ${charts.length} charts, headline ${total.text}, 0 requests out, screenshot ${shot}`);
} finally {
  await browser.close();
}
if (failures.length) {
  for (const f of failures) console.error(`browser test: ${f}`);
  process.exit(1);
}
