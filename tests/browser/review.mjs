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
  // Data marks only: filled bars (not the white background) and drawn lines, each with a size.
  const charts = await page.$$eval("figure.chart", (figs) => figs.map((f) => {
    const sized = (e) => { const b = e.getBoundingClientRect(); return b.width > 0.5 && b.height > 0.5; };
    const bars = [...f.querySelectorAll("svg rect")].filter((r) => {
      const fill = (r.getAttribute("fill") || "").toUpperCase();
      return fill && fill !== "#FFFFFF" && fill !== "WHITE" && fill !== "NONE" && sized(r);
    }).length;
    const lines = [...f.querySelectorAll("svg polyline")].filter((l) => (l.getAttribute("points") || "").trim().split(/\s+/).length > 5).length;
    return {
      label: f.getAttribute("aria-label"),
      bars, lines,
      texts: f.querySelectorAll("svg text").length,
      width: f.getBoundingClientRect().width,
      height: f.getBoundingClientRect().height,
    };
  }));
  // What each chart must show on the demo month: 31 days of stacked bars and September's line;
  // ten models; the identities above a pixel; the computed and billed lines.
  const want = {
    "Daily spend by model": (c) => c.bars >= 31 && c.lines >= 1,
    "Spend by model": (c) => c.bars >= 10,
    "Top identities": (c) => c.bars >= 5,
    "Computed against billed per day": (c) => c.lines >= 2,
  };
  for (const [w, ok] of Object.entries(want)) {
    const c = charts.find((x) => x.label === w);
    if (!c) failures.push(`chart missing: ${w}`);
    else if (!ok(c) || c.texts < 5 || c.width < 200 || c.height < 100) {
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
  console.log(`browser: ${charts.length} charts (${charts.map((c) => `${c.bars} bars/${c.lines} lines`).join(", ")}), headline ${total.text}, ${requests.length} request(s) out, screenshot ${shot}`);
} finally {
  await browser.close();
}
if (failures.length) {
  for (const f of failures) console.error(`browser test: ${f}`);
  process.exit(1);
}
