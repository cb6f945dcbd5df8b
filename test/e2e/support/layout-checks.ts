/**
 * What "usable on a phone" means to the layout tests, measured in the page as it is now:
 * - nothing is wider than the screen: the document does not scroll sideways, and no visible
 *   element's right edge passes the viewport's, unless it sits inside a horizontal scroller the
 *   page means to have (marked `data-scroll-x`: raw JSON, request bodies);
 * - nothing is cut: no element hides overflowing text (overflow hidden or clip without an
 *   ellipsis), and no unmarked element scrolls sideways;
 * - no word is broken: a word of plain letters (4 or more) is never split across lines, and no
 *   text is squeezed into fragments (more lines than words, fewer than 6 characters a line: a
 *   badge one letter a line, a hash in a column too narrow). Identifiers, URLs and hashes may
 *   break (they have digits or punctuation); ordinary words must not.
 */
import type { Page } from 'playwright-core';

/** One finding: what the element is (tag.class "text…") and what is wrong with it. */
export type LayoutFinding = string;

/** The layout problems of the page as it is now (empty: it fits). */
export function layoutProblems(page: Page): Promise<LayoutFinding[]> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const found: string[] = [];
    const describe = (element: Element): string => {
      const classes =
        typeof element.className === 'string' && element.className ? `.${element.className.trim().split(/\s+/).join('.')}` : '';
      const text = (element.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return `${element.tagName.toLowerCase()}${classes} "${text}"`;
    };
    // Visually hidden on purpose: a 1 px box (screen-reader text) or clipped away.
    const hiddenOnPurpose = (element: Element): boolean => {
      for (let node: Element | null = element; node && node !== document.body; node = node.parentElement) {
        const style = getComputedStyle(node);
        if (style.clipPath !== 'none' || style.visibility === 'hidden' || style.opacity === '0') return true;
        const box = node.getBoundingClientRect();
        if (style.position === 'absolute' && (box.width <= 1 || box.height <= 1 || box.right <= 0)) return true;
      }
      return false;
    };

    const overflow = document.documentElement.scrollWidth - width;
    if (overflow > 0) found.push(`the page is ${overflow}px wider than the ${width}px screen`);

    for (const element of document.querySelectorAll('body *')) {
      if (element.getClientRects().length === 0) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const style = getComputedStyle(element);
      const scrollerAbove = element.parentElement?.closest('[data-scroll-x]');
      if (!scrollerAbove && box.right > width + 0.5 && box.left < width && !hiddenOnPurpose(element)) {
        found.push(`${describe(element)} ends at ${Math.round(box.right)}px, past the ${width}px screen`);
      }
      const wider = element.scrollWidth > element.clientWidth + 1;
      if (!wider || element.tagName === 'SELECT' || element.tagName === 'INPUT' || element.tagName === 'TEXTAREA') continue;
      if ((style.overflowX === 'auto' || style.overflowX === 'scroll') && !element.hasAttribute('data-scroll-x')) {
        found.push(`${describe(element)} scrolls sideways (${element.scrollWidth} > ${element.clientWidth}) without data-scroll-x`);
      }
      if ((style.overflowX === 'hidden' || style.overflowX === 'clip') && style.textOverflow !== 'ellipsis' && !hiddenOnPurpose(element)) {
        found.push(`${describe(element)} cuts its content (${element.scrollWidth} > ${element.clientWidth})`);
      }
    }

    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      const parent = node.parentElement;
      if (!parent || text.trim().length < 2 || parent.closest('script, style, option, [data-scroll-x]')) continue;
      range.selectNodeContents(node);
      const rects = [...range.getClientRects()].filter((rect) => rect.width > 0);
      if (rects.length === 0 || hiddenOnPurpose(parent)) continue;
      const lines = new Set(rects.map((rect) => Math.round(rect.top))).size;
      const letters = text.replace(/\s+/g, '').length;
      const words = text.trim().split(/\s+/).length;
      // More lines than words: something broke inside a word; fewer than 6 a line: squeezed.
      if (lines > words && letters / lines < 6) {
        found.push(`${describe(parent)} runs ${lines} lines for ${letters} letters`);
        continue;
      }
      for (const match of text.matchAll(/\p{L}{4,}/gu)) {
        const before = text[match.index - 1] ?? ' ';
        const after = text[match.index + match[0].length] ?? ' ';
        // Only whole words of letters: part of an identifier (a1b2, user_name, a.b) may break.
        if (!/[\s(“"'‘,;:—–]/u.test(before) && match.index > 0) continue;
        if (!/[\s)”"'’,;:.!?—–]/u.test(after) && match.index + match[0].length < text.length) continue;
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const parts = new Set([...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
        if (parts.size > 1) found.push(`${describe(parent)} breaks the word "${match[0]}" across lines`);
      }
    }
    return [...new Set(found)];
  });
}
