// The shape of a list a form offers in a <select>: values with labels in the customer's language, optionally in
// labelled groups (<optgroup>). Shared by the time zone, country and calling-code lists and the templates that show them.
export interface Choice {
  value: string;
  label: string;
}

export interface ChoiceGroup {
  /** The group's heading (an <optgroup>), in the customer's language; none: the options stand on their own. */
  label?: string;
  options: readonly Choice[];
}

/**
 * The list with `current` in it: a stored value the list does not offer (an older rule, another writer, a free-text
 * country) is shown as it is, first, so that saving the form unchanged keeps it.
 */
export function withCurrent(groups: readonly ChoiceGroup[], current: string): readonly ChoiceGroup[] {
  if (!current || groups.some((g) => g.options.some((o) => o.value === current))) return groups;
  return [{ options: [{ value: current, label: current }] }, ...groups];
}

/** Sorts by label the way the customer's language does (å after z in Danish, ł after l in Polish). */
export function byLabel(locale: string): (a: Choice, b: Choice) => number {
  const collator = new Intl.Collator(locale);
  return (a, b) => collator.compare(a.label, b.label);
}
