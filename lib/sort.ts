// Small numeric helpers shared by the judges and the forecaster.

/** Sorts a[0..n) ascending in place (insertion sort for small n, native typed-array sort otherwise). */
export function sortPrefix(a: Float64Array, n: number): void {
  if (n > 32) {
    a.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}
