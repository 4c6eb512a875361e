/**
 * What Node code driving the explorer in Chromium needs (end-to-end tests, the browser benchmark):
 * the page's test handle type (`window.langcellExplorer`, declared globally by web/src/probe.ts)
 * and how to launch Debian's Chromium.
 */
export type { ExplorerProbe } from '../../web/src/probe.ts';

/** Debian's Chromium, and the flags a sandboxed machine with no GPU and no internet needs. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
