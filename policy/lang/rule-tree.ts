import type { Rule, Term } from './ast.js';
import { PolicyError } from './errors.js';

/** One node of the virtual document tree: a package, a rule, or an intermediate ref-head step. */
export class RuleNode {
  readonly children = new Map<string, RuleNode>();
  /** Complete rules whose head is exactly this path (non-default). */
  readonly complete: Rule[] = [];
  /** `default` rules at this path. */
  readonly defaults: Rule[] = [];
  /** Multi-value (`contains`) rules at this path. */
  readonly contains: Rule[] = [];
  /** Function definitions at this path. */
  readonly funcs: Rule[] = [];
  /** Rules whose head continues with non-constant terms after this path (partial objects). */
  readonly dynamic: { readonly rule: Rule; readonly suffix: Term[] }[] = [];
  /**
   * For a function whose result depends only on its arguments, the policy and the base data: the
   * argument positions that result depends on (parameters no definition reads are left out).
   * Null when its results are not remembered across evaluations. Set by the compiler
   * (compile-purity.ts).
   */
  callKey: readonly number[] | null = null;
  /**
   * For a complete rule whose value depends only on the input, the policy and the base data: the
   * `input` paths its value depends on (leading constant keys; [] for the whole input). Null when
   * its value is not remembered across evaluations. Set by the compiler (compile-purity.ts).
   */
  inputKey: readonly (readonly string[])[] | null = null;
  constructor(readonly path: readonly string[]) {}

  /** True when rules (not just child packages) define this node's value. */
  get hasRules(): boolean {
    return (
      this.complete.length > 0 ||
      this.defaults.length > 0 ||
      this.contains.length > 0 ||
      this.funcs.length > 0 ||
      this.dynamic.length > 0
    );
  }
}

/** The compiled rules of every module, indexed by data path. */
export class RuleTree {
  readonly root = new RuleNode([]);

  /** The node at a path, creating intermediate nodes. */
  node(path: readonly string[]): RuleNode {
    let n = this.root;
    for (let i = 0; i < path.length; i++) {
      const s = path[i]!;
      let c = n.children.get(s);
      if (c === undefined) n.children.set(s, (c = new RuleNode(path.slice(0, i + 1))));
      n = c;
    }
    return n;
  }

  /** The node at a path, or undefined. */
  find(path: readonly string[]): RuleNode | undefined {
    let n: RuleNode | undefined = this.root;
    for (const s of path) {
      n = n.children.get(s);
      if (n === undefined) return undefined;
    }
    return n;
  }

  /** Adds a compiled rule. */
  add(rule: Rule): void {
    const full = [...rule.module.pkg];
    let i = 0;
    for (; i < rule.ref.length; i++) {
      const t = rule.ref[i]!;
      if (t.t !== 'val' || typeof t.v !== 'string') break;
      full.push(t.v);
    }
    const node = this.node(full);
    if (i < rule.ref.length) {
      if (rule.kind === 'func' || rule.isDefault) {
        throw new PolicyError(
          'rego_compile_error',
          'default rules and functions need constant heads',
          rule.loc,
        );
      }
      node.dynamic.push({ rule, suffix: rule.ref.slice(i) });
    } else if (rule.kind === 'func') node.funcs.push(rule);
    else if (rule.kind === 'contains') node.contains.push(rule);
    else if (rule.isDefault) node.defaults.push(rule);
    else node.complete.push(rule);
  }

  /** Compile-time checks across rules: conflicting kinds, several defaults, function arities. */
  check(): void {
    const visit = (n: RuleNode): void => {
      const kinds = [
        n.complete.length + n.defaults.length > 0 ? 'complete' : '',
        n.contains.length > 0 ? 'multi-value' : '',
        n.funcs.length > 0 ? 'function' : '',
      ].filter((k) => k !== '');
      const first = n.complete[0] ?? n.defaults[0] ?? n.contains[0] ?? n.funcs[0];
      if (kinds.length > 1) {
        throw new PolicyError(
          'rego_compile_error',
          `conflicting rules data.${n.path.join('.')} found`,
          first?.loc,
        );
      }
      if (n.defaults.length > 1) {
        throw new PolicyError(
          'rego_compile_error',
          `multiple default rules data.${n.path.join('.')} found`,
          n.defaults[1]!.loc,
        );
      }
      const arities = new Set(n.funcs.map((f) => f.args?.length ?? 0));
      if (arities.size > 1) {
        throw new PolicyError(
          'rego_compile_error',
          `conflicting rules data.${n.path.join('.')} found`,
          n.funcs[0]!.loc,
        );
      }
      for (const c of n.children.values()) visit(c);
    };
    visit(this.root);
  }

  /** The arity of the function at a path, if any. */
  funcArity(path: readonly string[]): number | undefined {
    const n = this.find(path);
    const f = n?.funcs[0] ?? n?.defaults.find((d) => d.args !== null);
    return f?.args?.length;
  }
}
