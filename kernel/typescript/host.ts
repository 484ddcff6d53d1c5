// The virtual file system and module resolution behind the kernel's TypeScript LanguageService: cells live as
// virtual files in the notebook's folder, while lib, `@types/node` and `flashlm` types always come from the
// KERNEL'S OWN install (never the notebook's node_modules: the tslab pitfall, research/ecosystem.md §4c).
// Packages next to the notebook still resolve (and type-check) from cwd/node_modules when a cell imports them.
import * as fs from 'fs';
import * as path from 'path';
import ts from 'typescript';

/** Virtual files are named `<cwd>/__flashlm_<tag>.ts`; cells import earlier cells as `./__flashlm_cell_<k>`. */
export const VIRTUAL_PREFIX = '__flashlm_';

/** The package root of the running kernel (the folder holding flashlm's package.json). */
export function kernelPackageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'flashlm') return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`flashlm kernel: cannot find flashlm's package.json above ${__dirname}`);
    dir = up;
  }
}

/** Where the kernel's own type roots are: `flashlm` (built .d.ts, or the sources in a dev checkout) and node. */
export interface KernelTypes {
  root: string;
  flashlmTypes: string;
  nodeTypes: string;
}

export function findKernelTypes(): KernelTypes {
  const root = kernelPackageRoot();
  const dts = path.join(root, 'dist', 'lib', 'index.d.ts');
  const flashlmTypes = fs.existsSync(dts) ? dts : path.join(root, 'lib', 'index.ts');
  let nodeTypes: string;
  try {
    nodeTypes = require.resolve('@types/node/index.d.ts', { paths: [root] });
  } catch {
    throw new Error(`flashlm kernel: @types/node is missing from ${root}/node_modules; reinstall flashlm (npm ci)`);
  }
  return { root, flashlmTypes, nodeTypes };
}

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  // Preserve keeps `import`/`export` for our transformer, allows top-level await and `import x = require()`.
  module: ts.ModuleKind.Preserve,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2023.d.ts'], // Node 20 has all of ES2023; nothing from the DOM
  types: [], // no automatic @types from the notebook's folder; node types are added as a root file
  strict: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  sourceMap: true,
  newLine: ts.NewLineKind.LineFeed,
  noEmitOnError: false,
};

/**
 * Both a LanguageServiceHost (completion, inspect) and a CompilerHost (compileCell builds its program directly,
 * so it can keep a program while nothing changed and skip the service's per-request sync). One SourceFile cache
 * serves both, so lib and package files are parsed and bound once. Every virtual file but the scratch is
 * immutable; disk files outside node_modules (the notebook's own modules) are versioned by mtime.
 */
export class CellHost implements ts.LanguageServiceHost, ts.CompilerHost {
  readonly types: KernelTypes;
  readonly registry: ts.DocumentRegistry;
  private readonly virtual = new Map<string, { text: string; version: number; snap: ts.IScriptSnapshot }>();
  private readonly diskSnaps = new Map<string, ts.IScriptSnapshot | undefined>();
  private readonly sources = new Map<string, ts.SourceFile & { version?: string }>();
  private readonly roots: string[];
  private readonly moduleCache: ts.ModuleResolutionCache;
  private readonly typeRefCache: ts.TypeReferenceDirectiveResolutionCache;
  private readonly libDir: string;
  private readonly programVersions = new WeakMap<ts.Program, number>();
  private version = 0; // one counter for all virtual files, so a deleted and re-created file never looks unchanged

  constructor(readonly cwd: string, preludeDts: string, types: KernelTypes) {
    this.types = types;
    this.registry = this.sharedRegistry();
    this.libDir = path.dirname(ts.getDefaultLibFilePath(COMPILER_OPTIONS));
    this.moduleCache = ts.createModuleResolutionCache(cwd, (f) => f, COMPILER_OPTIONS);
    this.typeRefCache = ts.createTypeReferenceDirectiveResolutionCache(
      cwd, (f) => f, COMPILER_OPTIONS, this.moduleCache.getPackageJsonInfoCache());
    // `flashlm` as a global namespace: value AND types (`let t: flashlm.Tensor`), from the kernel's own install.
    this.setFile('globals.d.ts',
      "import * as __flashlm_ns from 'flashlm';\ndeclare global { export import flashlm = __flashlm_ns; }\n");
    this.setFile('prelude.d.ts', preludeDts);
    this.setFile('scratch.ts', '');
    this.roots = [types.nodeTypes, this.virtualPath('globals.d.ts'), this.virtualPath('prelude.d.ts'),
      this.virtualPath('scratch.ts')];
  }

  virtualPath(tag: string): string {
    return path.join(this.cwd, VIRTUAL_PREFIX + tag);
  }

  /** Sets a virtual file's text; unchanged text keeps its version so the program is reused. */
  setFile(tag: string, text: string): string {
    const file = this.virtualPath(tag);
    const old = this.virtual.get(file);
    if (!old || old.text !== text) {
      this.virtual.set(file, { text, version: ++this.version, snap: ts.ScriptSnapshot.fromString(text) });
    }
    return file;
  }

  deleteFile(tag: string): void {
    const file = this.virtualPath(tag);
    this.virtual.delete(file);
    this.sources.delete(file);
  }

  /** A program over the current files, reusing `old`'s structure and every unchanged SourceFile; `old`
   * itself (with its checker's cached results) when no virtual file changed since it was made. */
  createProgram(old: ts.Program | undefined): ts.Program {
    if (old && this.programVersions.get(old) === this.version) return old;
    const p = ts.createProgram({ rootNames: this.roots, options: COMPILER_OPTIONS, host: this, oldProgram: old });
    this.programVersions.set(p, this.version);
    return p;
  }

  /** Forgets module resolutions, failed ones included: after `npm install` next to the notebook, a package
   * that was missing must be found. */
  invalidateResolutions(): void {
    this.moduleCache.clear();
    this.typeRefCache.clear();
  }

  /** The cached SourceFile for `file` at its current version, parsed (with parents, as the LS wants) on change. */
  sourceFile(file: string, options: ts.CreateSourceFileOptions | ts.ScriptTarget): ts.SourceFile | undefined {
    const version = this.getScriptVersion(file);
    const cached = this.sources.get(file);
    if (cached && cached.version === version) return cached;
    const snap = this.getScriptSnapshot(file);
    if (!snap) return undefined;
    const sf = ts.createLanguageServiceSourceFile(file, snap, options, version, true);
    this.sources.set(file, sf);
    return sf;
  }

  private sharedRegistry(): ts.DocumentRegistry {
    const get = (file: string, opts?: ts.CreateSourceFileOptions | ts.ScriptTarget): ts.SourceFile => {
      const sf = this.sourceFile(file, opts ?? COMPILER_OPTIONS.target ?? ts.ScriptTarget.ES2022);
      if (!sf) throw new Error(`flashlm kernel: ${file} vanished while the language service read it`);
      return sf;
    };
    return {
      acquireDocument: (file, _s, _snap, _v, _k, opts) => get(file, opts),
      acquireDocumentWithKey: (file, _p, _s, _key, _snap, _v, _k, opts) => get(file, opts),
      updateDocument: (file, _s, _snap, _v, _k, opts) => get(file, opts),
      updateDocumentWithKey: (file, _p, _s, _key, _snap, _v, _k, opts) => get(file, opts),
      getKeyForCompilationSettings: () => 'flashlm' as ts.DocumentRegistryBucketKey,
      releaseDocument: () => undefined,
      releaseDocumentWithKey: () => undefined,
      reportStats: () => '{}',
    };
  }

  // ---- ts.LanguageServiceHost and ts.CompilerHost ----
  getCompilationSettings(): ts.CompilerOptions { return COMPILER_OPTIONS; }
  getScriptFileNames(): string[] { return this.roots; }
  getCurrentDirectory(): string { return this.cwd; }
  getDefaultLibFileName(options: ts.CompilerOptions): string { return ts.getDefaultLibFilePath(options); }
  useCaseSensitiveFileNames(): boolean { return ts.sys.useCaseSensitiveFileNames; }
  getCanonicalFileName(file: string): string { return file; }
  getNewLine(): string { return '\n'; }
  writeFile(): void { /* compileCell emits through its own callback */ }
  getModuleResolutionCache(): ts.ModuleResolutionCache { return this.moduleCache; }
  getSourceFile(file: string, options: ts.CreateSourceFileOptions | ts.ScriptTarget): ts.SourceFile | undefined {
    return this.sourceFile(file, options);
  }

  getScriptVersion(file: string): string {
    const v = this.virtual.get(file);
    if (v) return String(v.version);
    if (this.isImmutable(file)) return '0';
    try {
      return String(fs.statSync(file).mtimeMs);
    } catch {
      return 'missing';
    }
  }

  getScriptSnapshot(file: string): ts.IScriptSnapshot | undefined {
    const v = this.virtual.get(file);
    if (v) return v.snap;
    if (this.diskSnaps.has(file)) return this.diskSnaps.get(file);
    const text = ts.sys.readFile(file);
    const snap = text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    if (this.isImmutable(file)) this.diskSnaps.set(file, snap);
    return snap;
  }

  /** lib and node_modules files never change under a running kernel; the notebook's own .ts files may. */
  private isImmutable(file: string): boolean {
    return file.startsWith(this.libDir) || file.includes('/node_modules/') || file === this.types.flashlmTypes ||
      file.startsWith(this.types.root + path.sep + 'dist' + path.sep);
  }

  fileExists(file: string): boolean { return this.virtual.has(file) || ts.sys.fileExists(file); }
  readFile(file: string): string | undefined { return this.virtual.get(file)?.text ?? ts.sys.readFile(file); }
  directoryExists(dir: string): boolean { return ts.sys.directoryExists(dir); }
  getDirectories(dir: string): string[] { return ts.sys.getDirectories(dir); }
  readDirectory = ts.sys.readDirectory;
  realpath = ts.sys.realpath;

  resolveModuleNameLiterals(
    literals: readonly ts.StringLiteralLike[], containingFile: string, redirected: ts.ResolvedProjectReference | undefined,
    options: ts.CompilerOptions,
  ): ts.ResolvedModuleWithFailedLookupLocations[] {
    return literals.map((lit) => {
      const name = lit.text;
      if (name.startsWith('./' + VIRTUAL_PREFIX) && this.virtual.has(path.join(this.cwd, name.slice(2) + '.ts'))) {
        return { resolvedModule: { resolvedFileName: path.join(this.cwd, name.slice(2) + '.ts'), extension: '.ts' } };
      }
      if (name === 'flashlm') {
        const ext = this.types.flashlmTypes.endsWith('.d.ts') ? ts.Extension.Dts : ts.Extension.Ts;
        return { resolvedModule: { resolvedFileName: this.types.flashlmTypes, extension: ext, isExternalLibraryImport: ext === ts.Extension.Dts } };
      }
      return ts.resolveModuleName(name, containingFile, options, this, this.moduleCache, redirected);
    });
  }

  resolveTypeReferenceDirectiveReferences<T extends ts.FileReference | string>(
    refs: readonly T[], containingFile: string, redirected: ts.ResolvedProjectReference | undefined,
    options: ts.CompilerOptions,
  ): ts.ResolvedTypeReferenceDirectiveWithFailedLookupLocations[] {
    return refs.map((ref) => {
      const name = typeof ref === 'string' ? ref : ref.fileName.toLowerCase();
      // A package next to the notebook saying `/// <reference types="node" />` gets the kernel's node types,
      // never a second, conflicting copy from the notebook's node_modules.
      if (name === 'node') {
        return { resolvedTypeReferenceDirective: { primary: true, resolvedFileName: this.types.nodeTypes, isExternalLibraryImport: true } };
      }
      return ts.resolveTypeReferenceDirective(name, containingFile, options, this, redirected, this.typeRefCache);
    });
  }
}
