// The kernel's TypeScript session (main thread): type-checks each cell against the cells before it, compiles it
// to the executor's script contract (transform.ts), and answers completion/inspection from a LanguageService
// over the same files, so those work while a cell runs in the executor.
//
// How cells see each other: each committed cell stays an immutable virtual module `__flashlm_cell_<k>.ts`
// (header + cell text + footer). Its footer is `export { <its top-level names> }`; the header of a later cell
// is `import { x } from "./__flashlm_cell_<k>"` for each earlier name it uses but does not declare itself, taking
// each name from the newest cell that declared it. So re-declaring `const x` is no error, the newest declaration
// wins, and imported names keep all their meanings (value, type, namespace). The header is one line, so cell
// line n is line n of the file. The executor should commit every cell it ran, also one that threw: the
// declarations before the throw exist at run time.
import ts from 'typescript';
import { CellHost, findKernelTypes } from './host';
import { analyzeCell, inspectAt, isCompleteSource } from './assist';
import { completeAt } from './complete';
import { afterTransformer, beforeTransformer, CellEmitInfo, EmitState } from './transform';
import { decodeMappings, lookup } from './sourcemap';

export type CompileResult =
  | { ok: true; js: string; filename: string; mapPosition(line: number, column: number): { line: number; column: number } | null }
  | { ok: false; diagnostics: { line: number; column: number; message: string; code: number }[] };

export interface CompletionResult { matches: string[]; cursorStart: number; cursorEnd: number; metadata: object }
export interface InspectResult { found: boolean; data: Record<string, string> }
export interface IsCompleteResult { status: 'complete' | 'incomplete' | 'invalid'; indent?: string }

/** Declarations of the kernel's injected globals, used until the executor passes its own `preludeDts`. */
export const DEFAULT_PRELUDE_DTS = `
interface DisplayHandle {
  /** The display id: later updates replace this output in place. */
  readonly id: string;
  /** Replaces the displayed output with \`value\`. */
  update(value: unknown, opts?: { raw?: boolean }): void;
}
/** Shows \`value\` as rich output (a value with [Symbol.for("Jupyter.display")]() renders its MIME bundle; with
 * \`raw: true\`, \`value\` is the MIME bundle itself). \`id\` names the display so it can be updated later. */
declare function display(value: unknown, opts?: { id?: string; raw?: boolean }): DisplayHandle;
/** Clears the cell's output; with \`wait\`, only when the next output arrives. */
declare function clearOutput(wait?: boolean): void;
/** Asks the user for a line of text (Jupyter stdin). */
declare function input(prompt?: string): Promise<string>;
/** Asks the user for a password; the frontend hides what is typed. */
declare function password(prompt?: string): Promise<string>;
`;

// Diagnostics that the REPL's semantics make wrong: assigning to a name taken from an earlier cell (it is a
// global variable at run time) and importing a package without type declarations (it is `any`, as in tslab).
const ASSIGN_TO_IMPORT = 2632;
const NO_DECLARATION_FILE = 7016;
// `let u;` in one cell, used in a later one: its type evolves by assignment, which another cell cannot follow;
// as in a REPL, it is simply `any` there
const IMPLICIT_ANY_VARIABLE = new Set([7005, 7034]);
const MODULE_NOT_FOUND = 2307;

interface Pending { text: string; declared: string[]; globalAugment: boolean }

const MISSING_SCRATCH = 'compileCell: the cell file is missing from its own program (a kernel bug)';

/**
 * Compiles notebook cells for the executor and answers the frontend's complete/inspect/is_complete.
 *
 * @example
 * const s = new TypeScriptSession({ cwd: process.cwd() });
 * const r = s.compileCell('const x: number = 1 + 1; x', { filename: 'In[1].ts' }); // run r.js, then:
 * s.commitCell(r); s.complete('flashlm.', 8).matches; // ['AdamW', ..., 'Tensor', ...]
 */
export class TypeScriptSession {
  private readonly host: CellHost;
  private readonly ls: ts.LanguageService;
  private program: ts.Program | undefined; // compileCell's own program, reused structurally from call to call
  private warmTimer: NodeJS.Immediate | undefined;
  private nextCell = 0; // file names are never reused, so the document registry can never serve a stale file
  private owner = new Map<string, number>(); // name -> newest committed cell declaring it
  private globalCells: number[] = []; // cells with `declare global { }`: always imported for their side effect
  private readonly pending = new WeakMap<object, Pending>();
  private positions = new Map<string, (line: number, column: number) => { line: number; column: number } | null>();

  constructor(opts: { cwd: string; preludeDts?: string }) {
    this.host = new CellHost(opts.cwd, opts.preludeDts ?? DEFAULT_PRELUDE_DTS, findKernelTypes());
    this.ls = ts.createLanguageService(this.host, this.host.registry);
    this.scheduleWarm(true);
  }

  /**
   * Does the expensive part of the next compile while the kernel is idle (a setImmediate after the constructor
   * or a commit): parsing lib, node and flashlm types once at start (~0.6 s, blocking the main thread then),
   * and after a commit, the program walk that a new cell file forces (~5-10 ms). If a request comes first, it
   * simply does that work itself. `warm()` runs it now.
   */
  warm(check = false): void {
    if (this.warmTimer) clearImmediate(this.warmTimer);
    this.warmTimer = undefined;
    const { file } = this.setScratch('');
    this.program = this.host.createProgram(this.program);
    const sf = this.program.getSourceFile(file);
    if (check && sf) this.program.getSemanticDiagnostics(sf);
    this.ls.getProgram();
  }

  private scheduleWarm(check = false): void {
    if (this.warmTimer) return;
    this.warmTimer = setImmediate(() => {
      this.warmTimer = undefined;
      this.warm(check);
    });
    this.warmTimer.unref(); // never keeps a finished process alive
  }

  /** Type-checks `source` as the next cell and compiles it; nothing is kept until `commitCell`. */
  compileCell(source: string, opts: { filename: string }): CompileResult {
    return this.compile(source, opts, true);
  }

  private compile(source: string, opts: { filename: string }, retry: boolean): CompileResult {
    const { file, commitText, headerEnd, footerStart, shape } = this.setScratch(source);
    const program = (this.program = this.host.createProgram(this.program));
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(MISSING_SCRATCH);
    const checker = program.getTypeChecker();
    const raw: ts.Diagnostic[] = [...program.getSyntacticDiagnostics(sf)];
    if (raw.length === 0) raw.push(...program.getSemanticDiagnostics(sf));
    const diagnostics = this.cellDiagnostics(raw, sf, checker, headerEnd, footerStart, source.length);
    if (retry && diagnostics.some((d) => d.code === MODULE_NOT_FOUND)) {
      // it may have been installed since it was looked up: look again, in a program built afresh (a reused one
      // would keep the failed resolution)
      this.host.invalidateResolutions();
      this.program = undefined;
      return this.compile(source, opts, false);
    }
    if (diagnostics.length) return { ok: false, diagnostics };

    const cellStatements = sf.statements.filter((s) => s.end > headerEnd && s.getStart(sf) < footerStart);
    const last = cellStatements[cellStatements.length - 1];
    const info: CellEmitInfo = {
      headerEnd, footerStart, checker, lastExpression: last && ts.isExpressionStatement(last) ? last : undefined,
    };
    const state: EmitState = { used: new Set(), importNames: new Set() };
    let js = '';
    let map = '';
    const emitted = program.emit(sf, (name, data) => {
      if (name.endsWith('.map')) map = data;
      else if (name.endsWith('.js')) js = data;
    }, undefined, false, { before: [beforeTransformer(info, state)], after: [afterTransformer(info, state)] });
    if (emitted.emitSkipped || !js) throw new Error(`compile: TypeScript emitted nothing for ${opts.filename}`);
    js = js.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
    const lines = decodeMappings(JSON.parse(map).mappings as string);
    const cellLines = source.split('\n').length;
    const result: CompileResult = {
      ok: true, js, filename: opts.filename,
      // V8 stack positions are 1-based; the scratch file's line 0 is the header, so scratch line n = cell line n.
      mapPosition(line: number, column: number) {
        const p = lookup(lines, line - 1, column - 1);
        if (!p || p.line < 1 || p.line > cellLines) return null;
        return { line: p.line, column: p.column + 1 };
      },
    };
    this.pending.set(result, { text: commitText, declared: shape.declared, globalAugment: shape.globalAugment });
    return result;
  }

  /**
   * The cell ran: its declarations become visible to later cells (the newest declaration of a name wins).
   * A result this session did not produce (a failed compile, one committed already, one made by hand) changes
   * nothing.
   */
  commitCell(result: CompileResult): void {
    const p = this.pending.get(result);
    if (!p) return;
    this.pending.delete(result);
    // its functions may be called, and throw, from later cells: keep its positions for mapLocation
    if (result.ok) this.positions.set(result.filename, result.mapPosition);
    if (p.declared.length === 0 && !p.globalAugment) return; // nothing to see: keep the program as it is
    const k = this.nextCell++;
    this.host.setFile(`cell_${k}.ts`, p.text);
    for (const name of p.declared) this.owner.set(name, k);
    if (p.globalAugment) this.globalCells.push(k);
    this.scheduleWarm();
  }

  /**
   * Maps a stack-frame position (1-based, in the compiled script) of any committed cell to its cell line and
   * column: a function declared in cell 3 may throw while cell 7 runs. `undefined` if `filename` is no
   * committed cell; null if the position is kernel machinery (the async wrapper, import helpers).
   *
   * @example
   * session.mapLocation('cell-3.ts', 4, 11) // { line: 2, column: 9 }
   */
  mapLocation(filename: string, line: number, column: number): { line: number; column: number } | null | undefined {
    return this.positions.get(filename)?.(line, column);
  }

  complete(source: string, cursor: number): CompletionResult {
    const { file, headerEnd } = this.setScratch(source, true);
    return completeAt(this.ls, file, headerEnd, source, clamp(cursor, source.length));
  }

  inspect(source: string, cursor: number, detailLevel: 0 | 1): InspectResult {
    const { file, headerEnd } = this.setScratch(source, true);
    return inspectAt(this.ls, file, headerEnd, source, clamp(cursor, source.length), detailLevel);
  }

  isComplete(source: string): IsCompleteResult {
    return isCompleteSource(source);
  }

  /** Forgets every cell (the executor's restart); cached lib and package files stay parsed. */
  reset(): void {
    for (let k = 0; k < this.nextCell; k++) this.host.deleteFile(`cell_${k}.ts`);
    this.owner = new Map();
    this.globalCells = [];
    this.positions = new Map();
    this.host.setFile('scratch.ts', '');
  }

  /**
   * Writes header + cell + footer into the scratch file; `commitText` is what commitCell will keep. The header
   * imports only the earlier names the cell's text mentions (any reference is an identifier in the text; words
   * in strings and comments only add a harmless import): checking an import costs time, and a committed cell
   * importing every earlier name would make each program walk quadratic in the number of cells. Completion
   * (`allNames`) needs every name in scope.
   */
  private setScratch(source: string, allNames = false) {
    const shape = analyzeCell(source);
    const own = new Set(shape.declared);
    const mentioned = new Set(source.match(/[\p{ID_Start}$_][\p{ID_Continue}$]*/gu) ?? []);
    const header = this.header(own, allNames ? undefined : mentioned, true);
    const exported = shape.declared.filter((n) => !shape.exported.has(n));
    const footer = exported.length ? `\n;export { ${exported.join(', ')} };\n` : '\n';
    const file = this.host.setFile('scratch.ts', header + source + footer);
    const commitText = this.header(own, mentioned, false) + source + footer;
    return { file, commitText, headerEnd: header.length, footerStart: header.length + source.length, shape };
  }

  /** One line of imports of earlier cells' names (newest owner of each), minus `exclude`, within `only`. With
   * `everyCell` it imports from every owning cell, even with no names, so the scratch file's list of imported
   * modules (its structure, for TypeScript's program reuse) changes only when a cell is committed. */
  private header(exclude: Set<string>, only: Set<string> | undefined, everyCell: boolean): string {
    const byCell = new Map<number, string[]>();
    if (everyCell) for (const k of new Set(this.owner.values())) byCell.set(k, []);
    for (const [name, k] of this.owner) {
      if (exclude.has(name) || (only && !only.has(name))) continue;
      let names = byCell.get(k);
      if (!names) byCell.set(k, (names = []));
      names.push(name);
    }
    let header = '';
    for (const [k, names] of [...byCell].sort((a, b) => a[0] - b[0])) {
      header += `import { ${names.join(', ')} } from "./__flashlm_cell_${k}"; `;
    }
    for (const k of this.globalCells) if (!byCell.has(k)) header += `import "./__flashlm_cell_${k}"; `;
    return header + '\n';
  }

  private cellDiagnostics(
    raw: readonly ts.Diagnostic[], sf: ts.SourceFile, checker: ts.TypeChecker, headerEnd: number, footerStart: number,
    sourceLength: number,
  ): { line: number; column: number; message: string; code: number }[] {
    const out: { line: number; column: number; message: string; code: number }[] = [];
    for (const d of raw) {
      let message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      let code = d.code;
      if (code === NO_DECLARATION_FILE) continue;
      if (IMPLICIT_ANY_VARIABLE.has(code) && d.start !== undefined && this.aliasedAt(sf, checker, d.start)) continue;
      if (code === ASSIGN_TO_IMPORT && d.start !== undefined) {
        const constName = this.constFromEarlierCell(sf, checker, d.start);
        if (constName === undefined) continue;
        message = `Cannot assign to '${constName}' because it is a constant.`;
        code = 2588;
      }
      let line = 1;
      let column = 1;
      if (d.start !== undefined) {
        const at = Math.min(Math.max(d.start, headerEnd), Math.max(headerEnd, Math.min(footerStart, headerEnd + sourceLength)));
        const lc = sf.getLineAndCharacterOfPosition(at);
        line = Math.max(1, lc.line);
        column = lc.line >= 1 ? lc.character + 1 : 1;
      }
      out.push({ line, column, message, code });
    }
    return out;
  }

  /** The imported (earlier cell's, or a package's) symbol the identifier at `pos` stands for, if any. */
  private aliasedAt(sf: ts.SourceFile, checker: ts.TypeChecker, pos: number): ts.Symbol | undefined {
    const node = findIdentifier(sf, pos);
    const sym = node && checker.getSymbolAtLocation(node);
    return sym && sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : undefined;
  }

  /** For "cannot assign to an import": the name if it stands for a const of an earlier cell, else undefined. */
  private constFromEarlierCell(sf: ts.SourceFile, checker: ts.TypeChecker, pos: number): string | undefined {
    const node = findIdentifier(sf, pos);
    const target = this.aliasedAt(sf, checker, pos);
    if (!node || !target) return undefined;
    const decl = target.valueDeclaration;
    if (decl && ts.isVariableDeclaration(decl) && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) return node.text;
    return undefined;
  }
}

function findIdentifier(sf: ts.SourceFile, pos: number): ts.Identifier | undefined {
  const find = (n: ts.Node): ts.Identifier | undefined => {
    if (pos < n.getStart(sf) || pos >= n.end) return undefined;
    if (ts.isIdentifier(n)) return n;
    return ts.forEachChild(n, find);
  };
  return find(sf);
}

function clamp(n: number, max: number): number {
  return Math.max(0, Math.min(max, Math.floor(n)));
}
