// Jupyter `complete` from the LanguageService: the entries TypeScript offers at the cursor, filtered by the
// identifier prefix being replaced, each with its Jupyter type and a signature for
// `_jupyter_types_experimental`. Kinds and signatures come straight from the checker (one symbol lookup per
// entry), not from getCompletionEntryDetails, which recomputes the whole completion for every entry.
import ts from 'typescript';

function isIdChar(c: string): boolean {
  return /[\p{ID_Continue}$]/u.test(c);
}

export interface TypedMatch { start: number; end: number; text: string; type: string; signature: string }

export function completeAt(ls: ts.LanguageService, file: string, headerEnd: number, source: string, cursor: number) {
  let start = cursor;
  while (start > 0 && isIdChar(source[start - 1])) start--;
  const pos = headerEnd + cursor;
  const info = ls.getCompletionsAtPosition(file, pos, {
    includeCompletionsWithInsertText: true, includeCompletionsForModuleExports: false,
    includeAutomaticOptionalChainCompletions: false, includeCompletionsWithSnippetText: false,
  });
  if (!info) return { matches: [] as string[], cursorStart: start, cursorEnd: cursor, metadata: {} };
  // string-literal completions (module specifiers) replace the literal's text, which may hold `/`, `-`, `@`
  const span = info.entries.find((e) => e.replacementSpan)?.replacementSpan ?? info.optionalReplacementSpan;
  if (span && span.start - headerEnd <= cursor && span.start + span.length - headerEnd >= cursor &&
      /["'`]/.test(source[span.start - headerEnd - 1] ?? '')) {
    start = span.start - headerEnd;
  }
  const prefix = source.slice(start, cursor);
  const lower = prefix.toLowerCase();
  const entries = info.entries.filter((e) => e.name.toLowerCase().startsWith(lower)).sort((a, b) => {
    const ea = a.name.startsWith(prefix) ? 0 : 1; // exact-case prefix matches first
    const eb = b.name.startsWith(prefix) ? 0 : 1;
    return ea - eb || cmp(a.sortText, b.sortText) || cmp(a.name, b.name);
  });
  const program = ls.getProgram();
  const sf = program?.getSourceFile(file);
  const symbols = program && sf ? symbolsAt(program.getTypeChecker(), sf, pos) : new Map<string, ts.Symbol>();
  const checker = program?.getTypeChecker();
  const types: TypedMatch[] = entries.map((e) => {
    const sym = symbols.get(e.name);
    const d = sym && checker ? describe(checker, sym, e.name) : { type: KIND[e.kind] ?? 'instance', signature: '' };
    return { start, end: cursor, text: e.insertText ?? e.name, ...d };
  });
  return {
    matches: types.map((t) => t.text), cursorStart: start, cursorEnd: cursor,
    metadata: { _jupyter_types_experimental: types },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const KIND: Record<string, string> = {
  [ts.ScriptElementKind.keyword]: 'keyword', [ts.ScriptElementKind.externalModuleName]: 'module',
  [ts.ScriptElementKind.directory]: 'path', [ts.ScriptElementKind.scriptElement]: 'path',
  [ts.ScriptElementKind.functionElement]: 'function', [ts.ScriptElementKind.memberFunctionElement]: 'function',
  [ts.ScriptElementKind.classElement]: 'class', [ts.ScriptElementKind.interfaceElement]: 'class',
  [ts.ScriptElementKind.typeElement]: 'class', [ts.ScriptElementKind.moduleElement]: 'module',
};

/** The symbols completion draws from at `pos`: members of the object left of a dot, else the scope's names. */
function symbolsAt(checker: ts.TypeChecker, sf: ts.SourceFile, pos: number): Map<string, ts.Symbol> {
  const out = new Map<string, ts.Symbol>();
  const node = innermost(sf, Math.max(0, pos - 1));
  const access = node && (ts.isPropertyAccessExpression(node) ? node
    : node.parent && ts.isPropertyAccessExpression(node.parent) ? node.parent
      : node.parent && ts.isQualifiedName(node.parent) ? node.parent : ts.isQualifiedName(node) ? node : undefined);
  if (access) {
    const left = ts.isPropertyAccessExpression(access) ? access.expression : access.left;
    let sym = checker.getSymbolAtLocation(left);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    // namespaces (`flashlm.`) list their exports, types included; values list their properties
    if (sym && sym.flags & (ts.SymbolFlags.Module | ts.SymbolFlags.Enum) && sym.exports) {
      for (const s of checker.getExportsOfModule(sym)) out.set(s.name, s);
    }
    for (const s of checker.getPropertiesOfType(checker.getTypeAtLocation(left))) if (!out.has(s.name)) out.set(s.name, s);
    return out;
  }
  const importDecl = node && ts.findAncestor(node, ts.isImportDeclaration);
  if (importDecl && node && ts.findAncestor(node, ts.isNamedImports)) {
    const mod = checker.getSymbolAtLocation(importDecl.moduleSpecifier);
    if (mod) for (const s of checker.getExportsOfModule(mod)) out.set(s.name, s);
    return out;
  }
  const flags = ts.SymbolFlags.Value | ts.SymbolFlags.Type | ts.SymbolFlags.Namespace | ts.SymbolFlags.Alias;
  for (const s of checker.getSymbolsInScope(node ?? sf, flags)) if (!out.has(s.name)) out.set(s.name, s);
  return out;
}

function innermost(sf: ts.SourceFile, pos: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (pos >= n.getFullStart() && pos < n.end) {
      found = n;
      ts.forEachChild(n, visit);
    }
  };
  ts.forEachChild(sf, visit);
  return found;
}

const MAX_SIGNATURE = 200;

/** Jupyter's type (function, class, module, instance...) and a one-line signature for a symbol. */
export function describe(checker: ts.TypeChecker, symbol: ts.Symbol, name: string): { type: string; signature: string } {
  let s = symbol;
  if (s.flags & ts.SymbolFlags.Alias) {
    try {
      s = checker.getAliasedSymbol(s);
    } catch {
      return { type: 'instance', signature: '' };
    }
  }
  const f = s.flags;
  const short = (t: string) => (t.length > MAX_SIGNATURE ? t.slice(0, MAX_SIGNATURE - 1) + '…' : t);
  if (f & ts.SymbolFlags.Class) return { type: 'class', signature: `class ${name}` };
  if (f & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
    return { type: 'class', signature: `${f & ts.SymbolFlags.Interface ? 'interface' : 'type'} ${name}` };
  }
  if (f & ts.SymbolFlags.Enum) return { type: 'class', signature: `enum ${name}` };
  if (f & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule) && !(f & ts.SymbolFlags.Function)) {
    return { type: 'module', signature: `namespace ${name}` };
  }
  if (!(f & ts.SymbolFlags.Value)) return { type: 'instance', signature: name };
  const type = checker.getTypeOfSymbol(s);
  const sigs = type.getCallSignatures();
  if (sigs.length && f & (ts.SymbolFlags.Function | ts.SymbolFlags.Method)) {
    const more = sigs.length > 1 ? ` (+${sigs.length - 1} overload${sigs.length > 2 ? 's' : ''})` : '';
    return { type: 'function', signature: short(name + checker.signatureToString(sigs[0]) + more) };
  }
  return { type: sigs.length ? 'function' : 'instance', signature: short(`${name}: ${checker.typeToString(type)}`) };
}
