// Cell -> script transformers (run inside TypeScript's emit, so the source map follows every moved node).
// `before` (TypeScript AST, checker at hand): drops the header/footer the session adds for type checking and
// turns imports into `__flashlm_kernel__.require/import` calls. `after` (JavaScript AST): top-level declarations
// become properties of the context's global object, the cell body goes into an async arrow (top-level await),
// the last expression statement is returned, and interrupt checks go at loop back-edges and after each await.
import ts from 'typescript';

/** What the transformers found, for the prologue: helpers used and the names imports bind. */
export interface EmitState {
  used: Set<string>;
  importNames: Set<string>;
}

/** Per-compile facts shared by the two transformers. */
export interface CellEmitInfo {
  headerEnd: number; // scratch offset where the cell's own text starts
  footerStart: number; // scratch offset where the session's `export {...}` footer starts
  lastExpression: ts.ExpressionStatement | undefined; // the cell's last statement, if it is an expression
  checker: ts.TypeChecker;
}

const K = '__flashlm_kernel__';
const IMPORT = '__flashlm_import';
const DEFAULT = '__flashlm_default';
const STAR = '__flashlm_star';
const AFTER_AWAIT = '__flashlm_ai';
const TEMP = '__flashlm_m';

// Helpers the script defines as globals (so functions moved out of the async wrapper see them too). Import:
// CommonJS through require first; ESM-only packages fall back to dynamic import: ERR_REQUIRE_ESM (Node without
// require(esm)), ERR_REQUIRE_ASYNC_MODULE (ESM with top-level await), ERR_PACKAGE_PATH_NOT_EXPORTED (`exports`
// with an `import` condition only). Interop mirrors TypeScript's esModuleInterop helpers, and treats
// an ES module namespace (what Node 20's require(esm) returns) like `__esModule`.
const HELPERS: Record<string, string> = {
  [IMPORT]: `async (s) => { try { return ${K}.require(s); } catch (e) { if (e && /^ERR_(REQUIRE_ESM|REQUIRE_ASYNC_MODULE|PACKAGE_PATH_NOT_EXPORTED)$/.test(e.code)) return await ${K}.import(s); throw e; } }`,
  [DEFAULT]: `(m) => m && (m.__esModule || m[Symbol.toStringTag] === 'Module') ? m.default : m`,
  [STAR]: `(m) => { if (m && (m.__esModule || m[Symbol.toStringTag] === 'Module')) return m; const r = {}; if (m != null) for (const k of Object.keys(m)) if (k !== 'default') r[k] = m[k]; r.default = m; return r; }`,
  [AFTER_AWAIT]: `(v) => (${K}.checkInterrupt(), v)`,
};

const f = ts.factory;
const id = (name: string) => f.createIdentifier(name);

function commaList(items: ts.Expression[]): ts.Expression {
  return items.reduce((acc, e) => f.createComma(acc, e));
}

/** The check at a loop's back-edge; mapped to the loop's own position, so an interrupt's stack frame points at
 * the loop the user wrote. */
function checkInterruptStatement(loop: ts.Node): ts.Statement {
  const call = f.createCallExpression(f.createPropertyAccessExpression(id(K), 'checkInterrupt'), undefined, []);
  return ts.setSourceMapRange(f.createExpressionStatement(ts.setSourceMapRange(call, ts.getSourceMapRange(loop))),
    ts.getSourceMapRange(loop));
}

function isValueImport(checker: ts.TypeChecker, name: ts.Identifier): boolean {
  const sym = checker.getSymbolAtLocation(name);
  if (!sym) return true;
  const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  // an unresolved import is an error already reported; keep it so the runtime error names the package
  return (target.flags & ts.SymbolFlags.Value) !== 0 || target.flags === ts.SymbolFlags.None;
}

/** `import ...` -> `__flashlm_m = await __flashlm_import(spec), x = ..., ...`; names are added to `hoisted`. */
function lowerImport(node: ts.ImportDeclaration, checker: ts.TypeChecker, state: EmitState): ts.Statement | undefined {
  const used = state.used;
  const clause = node.importClause;
  if (clause?.isTypeOnly) return undefined;
  const spec = (node.moduleSpecifier as ts.StringLiteral).text;
  const load = f.createAwaitExpression(f.createCallExpression(id(IMPORT), undefined, [f.createStringLiteral(spec)]));
  used.add(IMPORT);
  if (!clause) return ts.setTextRange(f.createExpressionStatement(load), node);
  const parts: ts.Expression[] = [f.createAssignment(id(TEMP), load)];
  state.importNames.add(TEMP);
  const bind = (local: ts.Identifier, value: ts.Expression) => {
    state.importNames.add(local.text);
    parts.push(f.createAssignment(id(local.text), value));
  };
  if (clause.name && isValueImport(checker, clause.name)) {
    used.add(DEFAULT);
    bind(clause.name, f.createCallExpression(id(DEFAULT), undefined, [id(TEMP)]));
  }
  const nb = clause.namedBindings;
  if (nb && ts.isNamespaceImport(nb)) {
    used.add(STAR);
    bind(nb.name, f.createCallExpression(id(STAR), undefined, [id(TEMP)]));
  } else if (nb) {
    for (const el of nb.elements) {
      if (el.isTypeOnly || !isValueImport(checker, el.name)) continue;
      const prop = el.propertyName ?? el.name;
      const key = ts.isIdentifier(prop) ? f.createStringLiteral(prop.text) : f.createStringLiteral(prop.text);
      bind(el.name, f.createElementAccessExpression(id(TEMP), key));
    }
  }
  return ts.setTextRange(f.createExpressionStatement(commaList(parts)), node);
}

export function beforeTransformer(info: CellEmitInfo, state: EmitState): ts.TransformerFactory<ts.SourceFile> {
  return () => (sf) => {
    const out: ts.Statement[] = [];
    for (const st of sf.statements) {
      if (st.end <= info.headerEnd || st.getStart(sf) >= info.footerStart) continue; // session header/footer
      if (ts.isImportDeclaration(st)) {
        const lowered = lowerImport(st, info.checker, state);
        if (lowered) out.push(lowered);
      } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)) {
        if (st.isTypeOnly) continue;
        state.used.add(IMPORT);
        state.importNames.add(st.name.text);
        const spec = (st.moduleReference.expression as ts.StringLiteral).text;
        const load = f.createAwaitExpression(f.createCallExpression(id(IMPORT), undefined, [f.createStringLiteral(spec)]));
        out.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(id(st.name.text), load)), st));
      } else if (ts.isExportDeclaration(st)) {
        continue; // `export {a}` / `export * from`: a cell has no importers; its names are global anyway
      } else if (ts.isExportAssignment(st)) {
        out.push(ts.setTextRange(f.createExpressionStatement(st.expression), st)); // keep the side effects
      } else {
        out.push(st);
      }
    }
    return f.updateSourceFile(sf, out);
  };
}

/** Names bound by a declaration's binding pattern, in order. */
export function bindingNames(name: ts.BindingName, out: string[] = []): string[] {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
  return out;
}

/** `{a, b: [c = 1], ...d}` binding pattern -> the same shape as an assignment target. */
function bindingToTarget(name: ts.BindingName): ts.Expression {
  if (ts.isIdentifier(name)) return id(name.text);
  if (ts.isObjectBindingPattern(name)) {
    return f.createObjectLiteralExpression(name.elements.map((el): ts.ObjectLiteralElementLike => {
      const target = bindingToTarget(el.name);
      if (el.dotDotDotToken) return f.createSpreadAssignment(target);
      const withInit = el.initializer ? f.createAssignment(target, el.initializer) : target;
      if (!el.propertyName && ts.isIdentifier(el.name)) {
        return f.createShorthandPropertyAssignment(el.name.text, el.initializer);
      }
      return f.createPropertyAssignment(el.propertyName ?? (el.name as ts.Identifier), withInit);
    }));
  }
  return f.createArrayLiteralExpression(name.elements.map((el) => {
    if (ts.isOmittedExpression(el)) return f.createOmittedExpression();
    const target = bindingToTarget(el.name);
    if (el.dotDotDotToken) return f.createSpreadElement(target);
    return el.initializer ? f.createAssignment(target, el.initializer) : target;
  }));
}

function withoutModifiers<T extends ts.Node>(mods: readonly T[] | undefined): T[] | undefined {
  const kept = mods?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
  return kept && kept.length ? kept : undefined;
}

/** Adds the interrupt checks everywhere in the cell's own code: loop bodies and after each await. */
function addInterruptChecks(ctx: ts.TransformationContext, used: Set<string>): (n: ts.Node) => ts.Node {
  const visit = (node: ts.Node): ts.Node => {
    node = ts.visitEachChild(node, visit, ctx);
    if (ts.isIterationStatement(node, false)) {
      const body = node.statement;
      const block = ts.isBlock(body)
        ? f.updateBlock(body, [checkInterruptStatement(node), ...body.statements])
        : f.createBlock([checkInterruptStatement(node), body], true);
      if (ts.isForStatement(node)) return f.updateForStatement(node, node.initializer, node.condition, node.incrementor, block);
      if (ts.isForOfStatement(node)) return f.updateForOfStatement(node, node.awaitModifier, node.initializer, node.expression, block);
      if (ts.isForInStatement(node)) return f.updateForInStatement(node, node.initializer, node.expression, block);
      if (ts.isWhileStatement(node)) return f.updateWhileStatement(node, node.expression, block);
      if (ts.isDoStatement(node)) return f.updateDoStatement(node, block, node.expression);
    }
    if (ts.isAwaitExpression(node)) {
      used.add(AFTER_AWAIT);
      return ts.setTextRange(f.createCallExpression(id(AFTER_AWAIT), undefined, [node]), node);
    }
    return node;
  };
  return visit;
}

export function afterTransformer(info: CellEmitInfo, state: EmitState): ts.TransformerFactory<ts.SourceFile> {
  return (ctx) => (sf) => {
    const used = state.used;
    const visit = addInterruptChecks(ctx, used);
    const hoisted = new Set<string>(state.importNames);
    const resetOnce = new Set<string>();
    const functions: ts.Statement[] = [];
    const body: ts.Statement[] = [];
    for (const original of sf.statements) {
      const st = visit(original) as ts.Statement;
      if (ts.isExportDeclaration(st)) continue; // the `export {};` TypeScript adds to keep a file a module
      if (ts.getOriginalNode(original) === info.lastExpression && ts.isExpressionStatement(st)) {
        body.push(ts.setTextRange(f.createReturnStatement(resultObject(true, st.expression)), st));
      } else if (ts.isVariableStatement(st)) {
        const assigns: ts.Expression[] = [];
        const isVar = !(st.declarationList.flags & ts.NodeFlags.BlockScoped);
        // `var E;` of an enum or namespace: start from a fresh object once per cell (the IIFE after it does
        // `E || (E = {})`), so a re-run cell does not keep members it no longer declares
        const src = ts.getOriginalNode(original);
        const fresh = isVar && (ts.isEnumDeclaration(src) || ts.isModuleDeclaration(src));
        for (const d of st.declarationList.declarations) {
          for (const n of bindingNames(d.name)) hoisted.add(n);
          if (d.initializer) assigns.push(f.createAssignment(bindingToTarget(d.name), d.initializer));
          else if (!isVar || (fresh && !resetOnce.has(bindingNames(d.name)[0]))) {
            for (const n of bindingNames(d.name)) {
              resetOnce.add(n);
              assigns.push(f.createAssignment(id(n), f.createVoidZero()));
            }
          }
        }
        if (assigns.length) body.push(ts.setTextRange(f.createExpressionStatement(commaList(assigns)), st));
      } else if (ts.isFunctionDeclaration(st) && st.name && st.body) {
        // hoisted like the function it is: a global function declaration outside the async wrapper
        functions.push(f.updateFunctionDeclaration(st, withoutModifiers(st.modifiers), st.asteriskToken, st.name,
          st.typeParameters, st.parameters, st.type, st.body));
      } else if (ts.isFunctionDeclaration(st) && st.body) {
        // `export default function () {}`: no name to bind, so just an expression (its side effects, if any)
        body.push(ts.setTextRange(f.createExpressionStatement(f.createFunctionExpression(withoutModifiers(st.modifiers)
          ?.filter((m): m is ts.ModifierToken<ts.SyntaxKind.AsyncKeyword> => m.kind === ts.SyntaxKind.AsyncKeyword),
          st.asteriskToken, undefined, undefined, st.parameters, undefined, st.body)), st));
      } else if (ts.isClassDeclaration(st) && !st.name) {
        body.push(ts.setTextRange(f.createExpressionStatement(f.createParenthesizedExpression(f.createClassExpression(
          withoutModifiers(st.modifiers), undefined, undefined, st.heritageClauses, st.members))), st));
      } else if (ts.isClassDeclaration(st) && st.name) {
        hoisted.add(st.name.text);
        const expr = f.createClassExpression(withoutModifiers(st.modifiers), st.name, st.typeParameters,
          st.heritageClauses, st.members);
        body.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(id(st.name.text), expr)), st));
      } else {
        body.push(st);
      }
    }
    if (!body.length || !ts.isReturnStatement(body[body.length - 1])) {
      body.push(f.createReturnStatement(resultObject(false, f.createVoidZero())));
    }
    const wrapper = f.createExpressionStatement(f.createCallExpression(f.createParenthesizedExpression(
      f.createArrowFunction([f.createModifier(ts.SyntaxKind.AsyncKeyword)], undefined, [], undefined,
        f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), f.createBlock(body, true))), undefined, []));
    const prologue: ts.Statement[] = [];
    const helperDecls = [...used].map((h) => f.createVariableDeclaration(h, undefined, undefined, verbatim(HELPERS[h])));
    if (helperDecls.length) prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(helperDecls)));
    if (hoisted.size) {
      prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(
        [...hoisted].map((n) => f.createVariableDeclaration(n)))));
    }
    return f.updateSourceFile(sf, [...prologue, ...functions, wrapper]);
  };
}

function resultObject(hasValue: boolean, value: ts.Expression): ts.Expression {
  return f.createObjectLiteralExpression([
    f.createPropertyAssignment('hasValue', hasValue ? f.createTrue() : f.createFalse()),
    f.createPropertyAssignment('value', value)]);
}

// The helpers are emitted verbatim: the printer writes an identifier's text as is (nodes parsed from another
// file would be printed from this file's text).
function verbatim(text: string): ts.Expression {
  return id(text);
}
