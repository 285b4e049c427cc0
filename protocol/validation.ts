/**
 * Turns zod issues into Kazoo's validation error object, so that a 400 from parley reads exactly
 * like one from crossbar: `{"<dotted.path>": {"<rule>": {"message", "target"?, "cause"?, "value"?}}}`.
 *
 * Rule names are the JSON Schema keywords Kazoo's jesse reports (`required`, `type`, `minLength`,
 * `maxLength`, `minimum`, `maximum`, `minItems`, `maxItems`, `enum`, `pattern`, `uniqueItems`,
 * `additionalProperties`). Custom checks raise a zod `custom` issue whose `params` carry the rule.
 * @module
 */
import type { z } from "zod";

/** One failed rule: the message plus whichever of Kazoo's detail keys apply. */
export interface RuleFailure {
  message: string;
  target?: unknown;
  cause?: unknown;
  value?: unknown;
}

/** The `data` of a validation error response: dotted path → rule → failure. */
export type ValidationErrors = Record<string, Record<string, RuleFailure>>;

/** What a `custom` zod issue puts in `params` to name its Kazoo rule. */
export interface CustomRuleParams {
  rule: string;
  target?: unknown;
  cause?: unknown;
}

/** Joins a zod path the way Kazoo does: dots between segments, literal dots escaped as `%2E`. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => String(segment).replaceAll(".", "%2E")).join(".");
}

const typeNames: Record<string, string> = { int: "integer", nan: "number" };

function typeName(expected: string): string {
  return typeNames[expected] ?? expected;
}

/** Longest echoed string, and the largest structure echoed back whole. */
const ECHO_LIMIT = 1024;

/**
 * The offending value as it may be echoed in an error: primitives as they are (long strings cut),
 * small structures whole, anything deep or large left out, so an error body stays small and
 * always serialisable.
 */
export function echoable(value: unknown): unknown {
  if (typeof value === "string") {
    return value.length > ECHO_LIMIT ? `${value.slice(0, ECHO_LIMIT)}…` : value;
  }
  if (typeof value !== "object" || value === null) {
    return value;
  }
  try {
    return depthOf(value, 16) <= 16 && JSON.stringify(value).length <= ECHO_LIMIT
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/** Nesting depth of a JSON value, counted iteratively (no recursion to overflow), up to `stop`. */
export function depthOf(value: unknown, stop: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== "object" || node === null) {
      continue;
    }
    deepest = Math.max(deepest, depth + 1);
    if (deepest > stop) {
      return deepest;
    }
    for (const child of Object.values(node)) {
      stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

function failureFor(issue: z.core.$ZodIssue): [string, RuleFailure] {
  const input = echoable((issue as { input?: unknown }).input);
  const withValue = <T extends RuleFailure>(failure: T): T =>
    input === undefined ? failure : { ...failure, value: input };
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined) {
        return ["required", { message: "Field is required but missing" }];
      }
      return [
        "type",
        withValue({
          message: `Value did not match type(s): ${typeName(issue.expected)}`,
          target: typeName(issue.expected),
        }),
      ];
    case "too_small": {
      const n = Number(issue.minimum);
      if (issue.origin === "string") {
        return [
          "minLength",
          withValue({
            message: `String must be at least ${n} characters`,
            target: n,
            cause: input,
          }),
        ];
      }
      if (issue.origin === "array" || issue.origin === "set") {
        return [
          "minItems",
          withValue({ message: `The list must have at least ${n} items`, target: n }),
        ];
      }
      return ["minimum", withValue({ message: `Value must be at least ${n}`, target: n })];
    }
    case "too_big": {
      const n = Number(issue.maximum);
      if (issue.origin === "string") {
        return [
          "maxLength",
          withValue({
            message: `String must not be more than ${n} characters`,
            target: n,
            cause: input,
          }),
        ];
      }
      if (issue.origin === "array" || issue.origin === "set") {
        return ["maxItems", withValue({ message: `The list is more than ${n} items`, target: n })];
      }
      return ["maximum", withValue({ message: `Value must be at most ${n}`, target: n })];
    }
    case "invalid_format": {
      const raw = "pattern" in issue && issue.pattern ? String(issue.pattern) : issue.format;
      const pattern = raw.replace(/^\/(.*)\/[a-z]*$/s, "$1");
      return [
        "pattern",
        withValue({ message: `Failed to match pattern '${pattern}'`, target: pattern }),
      ];
    }
    case "invalid_value":
      return [
        "enum",
        withValue({
          message: "Value not found in enumerated list of values",
          target: issue.values,
        }),
      ];
    case "custom": {
      const params = (issue.params ?? {}) as Partial<CustomRuleParams>;
      const failure: RuleFailure = { message: issue.message };
      if (params.target !== undefined) {
        failure.target = params.target;
      }
      if (params.cause !== undefined) {
        failure.cause = params.cause;
      }
      return [params.rule ?? "custom", withValue(failure)];
    }
    default:
      return ["type", withValue({ message: issue.message || "failed to validate" })];
  }
}

/** Expands union and unknown-key issues into the plain issues Kazoo would have reported. */
function flatten(issue: z.core.$ZodIssue): Array<{ path: PropertyKey[]; issue: z.core.$ZodIssue }> {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      issue: {
        code: "custom",
        path: [...issue.path, key],
        message: "Strict checking of data is enabled; only include schema-defined properties",
        params: { rule: "additionalProperties" },
      } as z.core.$ZodIssue,
    }));
  }
  if (issue.code === "invalid_union") {
    // A branch whose only failures are constraints (not types) matched the type: report it.
    const constrained = issue.errors.find(
      (branch) => branch.length > 0 && branch.every((sub) => sub.code !== "invalid_type"),
    );
    if (constrained) {
      return constrained.flatMap((sub) =>
        flatten({ ...sub, path: [...issue.path, ...sub.path] } as z.core.$ZodIssue),
      );
    }
    const expected = issue.errors
      .flat()
      .filter((sub): sub is z.core.$ZodIssueInvalidType => sub.code === "invalid_type")
      .map((sub) => typeName(sub.expected));
    const input = (issue as { input?: unknown }).input;
    const synthetic = {
      code: "invalid_type",
      expected: [...new Set(expected)].join(", "),
      path: issue.path,
      message: "",
      input,
    } as unknown as z.core.$ZodIssue;
    return [{ path: issue.path, issue: synthetic }];
  }
  return [{ path: issue.path, issue }];
}

/** Builds the Kazoo-shaped error object from a failed zod parse; failures on one path are merged. */
export function toValidationErrors(
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): ValidationErrors {
  const out: ValidationErrors = {};
  for (const raw of error.issues) {
    for (const { path, issue } of flatten(raw)) {
      const [rule, failure] = failureFor(issue);
      const key = dottedPath([...prefix, ...path]);
      out[key] = { ...out[key], [rule]: failure };
    }
  }
  return out;
}
