// Notebook budgets: every notebook states its full budget (what its committed outputs were produced
// with) and a smoke budget that CI uses to execute it top to bottom in under 3 minutes. The choice comes
// from FLASHLM_NOTEBOOK_BUDGET so that the same notebook file serves both without edits.

export type BudgetName = 'full' | 'smoke';

/** The active budget: FLASHLM_NOTEBOOK_BUDGET ('full' when unset). */
export function budgetName(): BudgetName {
  const raw = process.env.FLASHLM_NOTEBOOK_BUDGET;
  if (raw === undefined || raw === '') return 'full';
  if (raw === 'full' || raw === 'smoke') return raw;
  throw new RangeError(`FLASHLM_NOTEBOOK_BUDGET must be 'full' or 'smoke', got ${JSON.stringify(raw)}`);
}

/**
 * Picks the value for the active budget.
 *
 * @example
 * const seconds = flashlm.budget({ full: 300, smoke: 20 }); // 20 under FLASHLM_NOTEBOOK_BUDGET=smoke
 */
export function budget<T>(choices: { full: T; smoke: T }): T {
  if (choices === null || typeof choices !== 'object' || !('full' in choices) || !('smoke' in choices))
    throw new TypeError('budget: choices must be an object with `full` and `smoke` values');
  return choices[budgetName()];
}
