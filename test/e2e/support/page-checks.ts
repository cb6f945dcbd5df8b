/**
 * Helpers for the browser tests: axe-core from node_modules (evaluated through the DevTools
 * protocol, which the page's Content-Security-Policy does not apply to, so nothing is fetched and
 * the CSP stays on), and small readers of focus and live regions.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  state: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** The impacts the suite refuses: everything but "minor" (P18: serious/critical = 0 and moderate = 0). */
const REFUSED_IMPACTS = new Set(['moderate', 'serious', 'critical']);

/**
 * Runs axe-core on the page as it is now and returns its moderate, serious and critical
 * violations (every rule axe runs by default: WCAG 2.x A/AA and its best practices).
 */
export async function axeViolations(page: Page, state: string): Promise<AxeFinding[]> {
  const hasAxe = await page.evaluate(() => 'axe' in window);
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations as { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
  });
  return violations
    .filter((violation) => REFUSED_IMPACTS.has(violation.impact ?? ''))
    .map((violation) => ({
      state,
      id: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      targets: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
}

/** The name the suites have always called it by: the same check, moderate included. */
export const axeSeriousViolations = axeViolations;

/** Polite and assertive live regions outside dialogs (Kit's route announcer excepted). */
export function pageLiveRegions(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[aria-live], [role="status"], [role="log"], [role="alert"]')]
      .filter((element) => element.id !== 'svelte-announcer' && !element.closest('dialog'))
      .map((element) => {
        const testId = element.getAttribute('data-testid');
        return `${element.tagName.toLowerCase()}.${element.className}${testId ? `[${testId}]` : ''}`;
      }),
  );
}

/** What has focus: tag, id, accessible-ish label, and whether it shows a focus indicator. */
export function focused(page: Page): Promise<{ tag: string; id: string; label: string; visible: boolean; outline: string } | null> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const outline = `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`;
    const visible = element.matches(':focus-visible') && style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2;
    return {
      tag: element.tagName.toLowerCase(),
      id: element.id,
      label: element.getAttribute('aria-label') ?? element.textContent?.trim().replace(/\s+/g, ' ') ?? '',
      visible,
      outline,
    };
  });
}
