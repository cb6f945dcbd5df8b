import { launchBrowser, startHarness } from './harness.ts';
const h = await startHarness();
try {
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'en-US', timezoneId: 'America/New_York' });
  await page.goto(h.baseUrl + '/sign-in');
  await page.getByLabel('API key').fill(h.seed.owner.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('tbody tr').first().waitFor();
  await page.goto(h.baseUrl + `/orgs/${h.seed.orgs[0]!.id}/audit-logs?action=update`);
  await page.locator('tbody tr .audit-table__patch').first().waitFor();
  await page.locator('tbody tr:has(.audit-table__patch) .audit-table__open').first().click();
  await page.getByRole('dialog').waitFor(); await page.waitForTimeout(300);
  await page.screenshot({ path: '/tmp/scratch/m-drawer.png' });
  await page.keyboard.press('Escape');
  await h.archive;
  await page.getByRole('button', { name: 'Archive' }).click();
  await page.locator('.archives__row').first().waitFor();
  await page.screenshot({ path: '/tmp/scratch/m-archive.png' });
  await browser.close();
} finally { await h.stop(); }
