// Loads the ESM-only packages of the parquet loaders (hyparquet, hyparquet-compressors) from our CommonJS
// build. Node runs import() natively; jest 29's CommonJS sandbox rejects import() unless started with
// --experimental-vm-modules, so there we fall back to require() of the same package, which jest turns into
// CommonJS (test/esm_transform.js). No other caller sees the difference.

type Hyparquet = typeof import('hyparquet', { with: { 'resolution-mode': 'import' } });
type Compressors = typeof import('hyparquet-compressors', { with: { 'resolution-mode': 'import' } });

function isSandboxImportError(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' || /experimental-vm-modules|ES Modules in the VM API/.test(String(err?.message));
}

let hyparquet: Promise<Hyparquet> | undefined;
let compressors: Promise<Compressors> | undefined;

/** The hyparquet module (node entry: parquetRead, parquetMetadataAsync, asyncBufferFromFile, ...). */
export function loadHyparquet(): Promise<Hyparquet> {
  hyparquet ??= import('hyparquet').catch((e: unknown) => {
    if (isSandboxImportError(e)) return require('hyparquet') as Hyparquet;
    throw e;
  });
  return hyparquet;
}

/** hyparquet-compressors: zstd, gzip, brotli, lz4 decoders (snappy is built into hyparquet). */
export function loadCompressors(): Promise<Compressors> {
  compressors ??= import('hyparquet-compressors').catch((e: unknown) => {
    if (isSandboxImportError(e)) return require('hyparquet-compressors') as Compressors;
    throw e;
  });
  return compressors;
}
