/**
 * Offline verifier of weekly archives: the ZIP, its seven day files, the manifest, the manifest's
 * Ed25519 signature and the manifests' hash chain; for a folder of archives also the sequence
 * numbers they cover. What it checks, and the archive format it
 * checks against, are in docs/verifying-archives.md.
 *
 * Runtime-agnostic on purpose: every module in this folder runs in workerd (tests, and the Worker
 * itself if it wants to re-check an archive) and in Node 22 with type stripping
 * (`node scripts/verify.ts`), and bundled into the standalone verifier for Node ≥ 18
 * (scripts/build-verifier.ts). So they use only fflate, @noble/hashes and canonicalize (through
 * events/content-hash.ts) and WebCrypto (`crypto.subtle`,
 * `TextEncoder`/`TextDecoder`, `atob`): no `node:` modules and no Buffer; only erasable TypeScript
 * syntax (no enums, no parameter properties, `import type` for types); and relative imports carry
 * the `.ts` extension, which Node requires and the Worker bundler accepts. Of the Worker's own
 * code they import only modules that follow the same rules (hex.ts, archive/week.ts's DAY_MS,
 * events/content-hash.ts). `verifyStream` checks a stream or export copy against signed checkpoints.
 */
export { verifyArchive } from './archive.ts';
export { verifyArchiveStream } from './archive-stream.ts';
export { verifyChain } from './chain.ts';
export { verifyDirectory } from './directory.ts';
export type { DirectoryFile } from './directory-files.ts';
export type { DirectoryReport, OrganizationReport } from './directory-report.ts';
export { countProblems, directoryReportLines } from './directory-text.ts';
export { spkiPemToDer } from './pem.ts';
export type { ChainReport, VerifyReport } from './report.ts';
export { streamReportLines, verifyStream } from './stream-verify.ts';
export { zipStreamEntries } from './zip-stream-entries.ts';
export { zipEntryNames } from './zip-structure.ts';
