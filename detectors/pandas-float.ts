// How NAB's published results read a CSV value: pandas' default float parser of the time (its C tokenizer's
// `xstrtod`, the default before pandas 1.3 made the correctly rounded parser the default) is not correctly rounded.
// It accumulates every digit into a double (number * 10 + digit), then scales by the power of ten with repeated
// squaring (10, 100, 10^4, 10^8, ...), dividing for negative exponents. With 16 or more digits the result can be one
// unit in the last place away from the correctly rounded double: "99.24799999999999" reads as 99.248. A detector
// that cuts values into levels (CAD OSE) then puts a value on the other side of a level boundary, so reproducing
// NAB's published scores needs the same reading. Used by `cad-ose`'s `legacyParse` option (docs/anomaly.md).

/** pandas' legacy `xstrtod` on a decimal text (optional sign, digits, optional fraction and exponent). */
export function pandasLegacyFloat(text: string): number {
  const s = text.trim();
  let p = 0;
  const digit = () => {
    const c = s.charCodeAt(p);
    return c >= 48 && c <= 57 ? c - 48 : -1;
  };
  let negative = false;
  if (s[p] === '-' || s[p] === '+') negative = s[p++] === '-';
  let number = 0, exponent = 0, d: number;
  while ((d = digit()) >= 0) {
    number = number * 10 + d;
    p++;
  }
  if (s[p] === '.') {
    p++;
    while ((d = digit()) >= 0) {
      number = number * 10 + d;
      p++;
      exponent--;
    }
  }
  if (negative) number = -number;
  if (s[p] === 'e' || s[p] === 'E') {
    p++;
    let en = false;
    if (s[p] === '-' || s[p] === '+') en = s[p++] === '-';
    let n = 0;
    while ((d = digit()) >= 0) {
      n = n * 10 + d;
      p++;
    }
    exponent += en ? -n : n;
  }
  let p10 = 10;
  for (let n = Math.abs(exponent); n; n >>= 1, p10 *= p10) {
    if (n & 1) number = exponent < 0 ? number / p10 : number * p10;
  }
  return number;
}

/**
 * A value as pandas' legacy parser would have read the text it was written as. NAB's data files hold the shortest
 * decimal form of each double (Python's repr), which is what `String(x)` gives, so that text is re-read.
 */
export function pandasLegacyValue(x: number): number {
  return Number.isFinite(x) ? pandasLegacyFloat(String(x)) : x;
}

/** The finite min and max of a file's values as NAB handed them to its detectors (read by pandas' legacy parser when `legacyParse`); [0, 0] without any. */
export function nabValueRange(values: ArrayLike<number>, legacyParse: boolean): [number, number] {
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = legacyParse ? pandasLegacyValue(values[i]) : values[i];
    if (!Number.isFinite(v)) continue;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  return mn > mx ? [0, 0] : [mn, mx];
}
