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

const OPENERS = new Map([[ts.SyntaxKind.OpenBraceToken, 1], [ts.SyntaxKind.OpenParenToken, 1], [ts.SyntaxKind.OpenBracketToken, 1]]);
const CLOSERS = new Set([ts.SyntaxKind.CloseBraceToken, ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken]);

/** `incomplete` when more lines can finish the cell (open brackets, trailing operator, open template or
 * comment), `invalid` when a syntax error sits before the end, else `complete`. */
export function isCompleteSource(source: string): { status: 'complete' | 'incomplete' | 'invalid'; indent?: string } {
  const trimmedEnd = source.replace(/\s+$/, '').length;
  if (trimmedEnd === 0) return { status: 'complete' };
  const sf = ts.createSourceFile('cell.ts', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics: ts.DiagnosticWithLocation[] }).parseDiagnostics;
  const lastLine = source.slice(0, trimmedEnd).split('\n').pop() ?? '';
  const baseIndent = /^\s*/.exec(lastLine)?.[0] ?? '';
  const depth = bracketDepth(source);
  if (depth < 0) return { status: 'invalid' };
  if (diags.length === 0) return { status: 'complete' };
  // an unterminated string cannot continue on the next line; anything else that fails only at the end can
  const beforeEnd = diags.some((d) => d.start < trimmedEnd - 1 && d.code !== 1160 && d.code !== 1010) ||
    diags.some((d) => d.code === 1002);
  if (beforeEnd && !(depth > 0 && diags.every((d) => d.code !== 1002 && onlyAtEnd(d, source, trimmedEnd)))) {
    return { status: 'invalid' };
  }
  const opensBlock = /[{([]\s*$/.test(source.slice(0, trimmedEnd));
  return { status: 'incomplete', indent: opensBlock ? baseIndent + '    ' : baseIndent };
}

function onlyAtEnd(d: ts.DiagnosticWithLocation, _source: string, trimmedEnd: number): boolean {
  return d.start >= trimmedEnd - 1;
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

const JUPYTER_TYPE: Record<string, string> = {
  [ts.ScriptElementKind.functionElement]: 'function', [ts.ScriptElementKind.memberFunctionElement]: 'function',
  [ts.ScriptElementKind.localFunctionElement]: 'function', [ts.ScriptElementKind.constructSignatureElement]: 'function',
  [ts.ScriptElementKind.classElement]: 'class', [ts.ScriptElementKind.localClassElement]: 'class',
  [ts.ScriptElementKind.interfaceElement]: 'class', [ts.ScriptElementKind.typeElement]: 'class',
  [ts.ScriptElementKind.enumElement]: 'class', [ts.ScriptElementKind.moduleElement]: 'module',
  [ts.ScriptElementKind.externalModuleName]: 'module', [ts.ScriptElementKind.alias]: 'module',
  [ts.ScriptElementKind.keyword]: 'keyword', [ts.ScriptElementKind.parameterElement]: 'param',
  [ts.ScriptElementKind.directory]: 'path', [ts.ScriptElementKind.scriptElement]: 'path',
};
const DETAILS_LIMIT = 40; // signatures for the first entries only: each costs a checker walk

function isIdChar(c: string): boolean {
  return /[\p{ID_Continue}$]/u.test(c);
}

export function completeAt(ls: ts.LanguageService, file: string, headerEnd: number, source: string, cursor: number) {
  let start = cursor;
  while (start > 0 && isIdChar(source[start - 1])) start--;
  const pos = headerEnd + cursor;
  const info = ls.getCompletionsAtPosition(file, pos, {
    includeCompletionsWithInsertText: true, includeCompletionsForModuleExports: false,
    includeAutomaticOptionalChainCompletions: false, includeCompletionsWithSnippetText: false,
  });
  const empty = { matches: [] as string[], cursorStart: start, cursorEnd: cursor, metadata: {} };
  if (!info) return empty;
  let entries = info.entries;
  // string-literal completions (module specifiers, keys) replace the literal's text, not an identifier
  const span = entries.find((e) => e.replacementSpan)?.replacementSpan ?? info.optionalReplacementSpan;
  if (span && span.start - headerEnd <= cursor && span.start + span.length - headerEnd >= cursor &&
      !isIdChar(source[span.start - headerEnd] ?? '')) {
    start = span.start - headerEnd;
  }
  const prefix = source.slice(start, cursor);
  const lower = prefix.toLowerCase();
  entries = entries.filter((e) => e.name.toLowerCase().startsWith(lower.replace(/^["']/, '')) || e.name.startsWith(prefix));
  entries = [...entries].sort((a, b) => {
    const ea = a.name.startsWith(prefix) ? 0 : 1;
    const eb = b.name.startsWith(prefix) ? 0 : 1;
    return ea - eb || (a.sortText < b.sortText ? -1 : a.sortText > b.sortText ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
  const types = entries.map((e, i) => {
    const text = e.insertText ?? e.name;
    let signature = '';
    let kind: string = e.kind;
    if (i < DETAILS_LIMIT && e.kind !== ts.ScriptElementKind.keyword) {
      const d = ls.getCompletionEntryDetails(file, pos, e.name, undefined, e.source, undefined, e.data);
      if (d) [signature, kind] = unalias(ts.displayPartsToString(d.displayParts), e.kind);
    }
    return { start, end: cursor, text, type: JUPYTER_TYPE[kind] ?? 'instance', signature };
  });
  return {
    matches: types.map((t) => t.text), cursorStart: start, cursorEnd: cursor,
    metadata: { _jupyter_types_experimental: types },
  };
}

// Members of `flashlm` (and of any `import * as`) are aliases: "(alias) class AdamW\nexport AdamW". Show the
// declaration itself and take the kind from it.
function unalias(display: string, kind: string): [string, string] {
  if (!display.startsWith('(alias) ')) return [display, kind];
  const decl = display.slice(8).split('\n')[0];
  const word = /^(?:declare\s+)?(\w+)/.exec(decl)?.[1] ?? '';
  const kinds: Record<string, string> = {
    class: ts.ScriptElementKind.classElement, function: ts.ScriptElementKind.functionElement,
    interface: ts.ScriptElementKind.interfaceElement, type: ts.ScriptElementKind.typeElement,
    enum: ts.ScriptElementKind.enumElement, namespace: ts.ScriptElementKind.moduleElement,
    module: ts.ScriptElementKind.moduleElement, const: ts.ScriptElementKind.constElement,
    let: ts.ScriptElementKind.letElement, var: ts.ScriptElementKind.variableElement,
  };
  return [decl, kinds[word] ?? kind];
}

export function inspectAt(
  ls: ts.LanguageService, file: string, headerEnd: number, source: string, cursor: number, detailLevel: 0 | 1,
): { found: boolean; data: Record<string, string> } {
  // Jupyter sends the cursor after the name (`flashlm.tensor|`) or inside a call's parentheses (`f(|`)
  const candidates = [cursor, cursor - 1].filter((p) => p >= 0 && p < source.length && isIdChar(source[p]));
  for (const p of candidates) {
    const q = ls.getQuickInfoAtPosition(file, headerEnd + p);
    if (q) return render(ts.displayPartsToString(q.displayParts), q.documentation, q.tags, detailLevel ? where(ls, file, headerEnd + p) : '');
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
