// Kubernetes resource quantities (`100Mi`, `1.5`, `2e3`, `500m`), as the CEL `quantity()` library needs them.
const SUFFIXES: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** A parsed quantity; compared by value, approximately for very large numbers (enough for validation). */
export class Quantity {
  public static parse(text: string): Quantity {
    const match = QUANTITY.exec(text);
    if (!match) throw new Error(`invalid quantity "${text}"`);
    const [, number, exponent, suffix] = match;
    return new Quantity(Number(number + (exponent ?? '')) * SUFFIXES[suffix ?? '']);
  }

  public static isQuantity(text: string): boolean {
    return QUANTITY.test(text);
  }

  private constructor(public readonly value: number) {}

  public compareTo(other: Quantity): number {
    return Math.sign(this.value - other.value);
  }
}
