// What the session needs from a cell's text alone (declared names, is_complete) and the LanguageService
// answers it turns into Jupyter's complete/inspect replies. Positions in and out are cell offsets; the scratch
// file holds the cell after a one-line header of `headerEnd` characters.
import ts from 'typescript';
import { bindingNames } from './transform';

export interface CellShape {
  declared: string[]; // top-level names the cell binds (values, types, namespaces, imports), each once
  exported: Set<string>; // names the cell already exports itself (the footer must not export them again)
  globalAugment: boolean; // has `declare global { }`
}

export function analyzeCell(source: string): CellShape {
  const sf = ts.createSourceFile('cell.ts', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const declared = new Set<string>();
  const exported = new Set<string>();
  let globalAugment = false;
  const isExported = (n: ts.Node) => ts.canHaveModifiers(n) &&
    !!ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) &&
    !ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
  const add = (name: string, st: ts.Node) => {
    declared.add(name);
    if (isExported(st)) exported.add(name);
  };
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) for (const n of bindingNames(d.name)) add(n, st);
    } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) ||
      ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) {
      add(st.name.text, st);
    } else if (ts.isModuleDeclaration(st)) {
      if (ts.isIdentifier(st.name) && st.name.text !== 'global') add(st.name.text, st);
      else if (st.flags & ts.NodeFlags.GlobalAugmentation || (ts.isIdentifier(st.name) && st.name.text === 'global')) globalAugment = true;
    } else if (ts.isImportDeclaration(st) && st.importClause) {
      const c = st.importClause;
      if (c.name) declared.add(c.name.text);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) declared.add(c.namedBindings.name.text);
      else if (c.namedBindings) for (const el of c.namedBindings.elements) declared.add(el.name.text);
    } else if (ts.isImportEqualsDeclaration(st)) {
      add(st.name.text, st);
    } else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) exported.add(el.name.text);
    }
  }
  return { declared: [...declared], exported, globalAugment };
}

// ---------------------------------------------------------------------------------------------------------
// is_complete

const OPENERS = new Set([ts.SyntaxKind.OpenBraceToken, ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.OpenBracketToken]);
const CLOSERS = new Set([ts.SyntaxKind.CloseBraceToken, ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken]);

// Parse errors more input can fix though they start before the end: an open template or block comment.
const OPEN_TO_THE_END = new Set([1160 /* Unterminated template literal */, 1010 /* '*\/' expected */]);
const UNTERMINATED_STRING = 1002; // a newline ends a string literal: more lines cannot close it

/** `incomplete` when more lines can finish the cell (open brackets, trailing operator, open template or
 * comment), `invalid` when a syntax error sits before the end, else `complete`. */
export function isCompleteSource(source: string): { status: 'complete' | 'incomplete' | 'invalid'; indent?: string } {
  const code = source.replace(/\s+$/, '');
  if (code.length === 0) return { status: 'complete' };
  const depth = bracketDepth(source);
  if (depth < 0) return { status: 'invalid' };
  const sf = ts.createSourceFile('cell.ts', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  // the parser's own diagnostics (not public API, stable since TypeScript 1.x; a program would cost ms)
  const diags = (sf as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diags.length === 0) return { status: 'complete' };
  const fixable = (d: ts.DiagnosticWithLocation) =>
    d.code !== UNTERMINATED_STRING && (d.start >= code.length - 1 || OPEN_TO_THE_END.has(d.code));
  if (!diags.every(fixable)) return { status: 'invalid' };
  const lastLine = code.split('\n').pop() ?? '';
  const indent = /^\s*/.exec(lastLine)?.[0] ?? '';
  // the next line opens a body: after an opener, an arrow, `else`/`do`, or an `if (...)`-like head
  // inside an open template literal or comment, an indent would become part of the text
  if (diags.some((d) => OPEN_TO_THE_END.has(d.code))) return { status: 'incomplete', indent: '' };
  const opensBody = /([{([]|=>|\belse|\bdo)$/.test(code) || /^\s*(if|for|while)\b.*\)$/.test(lastLine);
  return { status: 'incomplete', indent: opensBody ? indent + '    ' : indent };
}

function bracketDepth(source: string): number {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, source);
  let depth = 0;
  const templates: number[] = []; // depth at each open `${`, to know when a `}` resumes the template
  for (let tok = scanner.scan(); tok !== ts.SyntaxKind.EndOfFileToken; tok = scanner.scan()) {
    if (tok === ts.SyntaxKind.TemplateHead) {
      templates.push(depth);
    } else if (tok === ts.SyntaxKind.CloseBraceToken && templates.length && templates[templates.length - 1] === depth) {
      const t = scanner.reScanTemplateToken(false);
      if (t === ts.SyntaxKind.TemplateTail) templates.pop();
    } else if (tok === ts.SyntaxKind.SlashToken || tok === ts.SyntaxKind.SlashEqualsToken) {
      scanner.reScanSlashToken(); // a regex literal's brackets are not brackets (a guess, right in practice)
    } else if (OPENERS.has(tok)) {
      depth++;
    } else if (CLOSERS.has(tok)) {
      depth--;
      if (depth < 0) return depth;
    }
  }
  return depth + templates.length;
}

// ---------------------------------------------------------------------------------------------------------
// complete / inspect

function isIdChar(c: string): boolean {
  return /[\p{ID_Continue}$]/u.test(c);
}

/** Drops the "(alias) " and "import x"/"export x" lines TypeScript puts around imported names. */
export function unalias(display: string): string {
  if (!display.startsWith('(alias) ')) return display;
  return display.slice(8).replace(/\n(import|export) [^\n]*$/, '');
}

export function inspectAt(
  ls: ts.LanguageService, file: string, headerEnd: number, source: string, cursor: number, detailLevel: 0 | 1,
): { found: boolean; data: Record<string, string> } {
  // Jupyter sends the cursor after the name (`flashlm.tensor|`) or inside a call's parentheses (`f(|`)
  const candidates = [cursor, cursor - 1].filter((p) => p >= 0 && p < source.length && isIdChar(source[p]));
  for (const p of candidates) {
    const q = ls.getQuickInfoAtPosition(file, headerEnd + p);
    if (q) return render(unalias(ts.displayPartsToString(q.displayParts)), q.documentation, q.tags, detailLevel ? where(ls, file, headerEnd + p) : '');
  }
  const help = ls.getSignatureHelpItems(file, headerEnd + cursor, undefined);
  if (help && help.items.length) {
    const item = help.items[help.selectedItemIndex] ?? help.items[0];
    const sig = [...item.prefixDisplayParts, ...item.parameters.flatMap((pp, i) =>
      i ? [...item.separatorDisplayParts, ...pp.displayParts] : pp.displayParts), ...item.suffixDisplayParts];
    return render(ts.displayPartsToString(sig), item.documentation, item.tags, '');
  }
  return { found: false, data: {} };
}

function where(ls: ts.LanguageService, file: string, pos: number): string {
  const defs = ls.getDefinitionAtPosition(file, pos);
  const d = defs?.[0];
  if (!d || d.fileName.includes('__flashlm_')) return '';
  const sf = ls.getProgram()?.getSourceFile(d.fileName);
  const line = sf ? sf.getLineAndCharacterOfPosition(d.textSpan.start).line + 1 : 0;
  return `${d.fileName}${line ? ':' + line : ''}`;
}

function render(sig: string, doc: ts.SymbolDisplayPart[] | undefined, tags: ts.JSDocTagInfo[] | undefined, defined: string) {
  const docText = ts.displayPartsToString(doc);
  const tagLines = (tags ?? []).map((t) => ({ name: t.name, text: ts.displayPartsToString(t.text) }));
  const plain = [sig, docText, ...tagLines.map((t) => `@${t.name} ${t.text}`.trimEnd()), defined && `Defined in ${defined}`]
    .filter(Boolean).join('\n\n');
  const md = ['```typescript\n' + sig + '\n```', docText,
    ...tagLines.map((t) => t.name === 'example' ? '*@example*\n```typescript\n' + t.text.trim() + '\n```' : `*@${t.name}* ${t.text}`),
    defined && `Defined in \`${defined}\``].filter(Boolean).join('\n\n');
  return { found: true, data: { 'text/plain': plain, 'text/markdown': md } };
}
