// Training the judge's nets with TensorFlow.js (the weights come out as plain numbers, see net.ts).
//
// Deterministic on a given backend: seeded Glorot initialisers, the rows shuffled every epoch by an `Rng` stream
// (tfjs's own shuffle is unseeded, so `fit` runs with shuffle: false), early stopping on the validation loss with
// the best epoch's weights kept.
import { tf } from '../backend.ts';
import { Rng } from '../../lib/rng.ts';
import { NET_DEFAULTS, type NetJSON, type NetOptions, type NetTraining, type WeightMask } from './net.ts';

/**
 * Train one net on encoded rows (`X` row-major, `width` columns; labels 0/1) with early stopping on the validation
 * rows. Returns the best epoch's weights as plain numbers. With `masks` (net.ts `monotoneMasks`, one per layer), the
 * weights are projected onto them after the initialisation and after every batch (projected gradient descent: held
 * weights set to zero, non-negative ones clipped at zero), so every epoch's weights, the kept ones included, satisfy them.
 */
export async function trainNet(
  X: Float32Array,
  y: Float32Array,
  Xv: Float32Array,
  yv: Float32Array,
  width: number,
  seed: number,
  options: Partial<NetOptions> = {},
  onEpoch?: (epoch: number, loss: number, validationLoss: number) => void,
  masks?: readonly WeightMask[],
): Promise<{ net: NetJSON; training: NetTraining }> {
  const o = { ...NET_DEFAULTS, ...options };
  const n = y.length;
  const sizes = [width, ...o.hidden, 1];
  const layers: tf.layers.Layer[] = [];
  for (let k = 0; k < sizes.length - 1; k++) {
    layers.push(
      tf.layers.dense({
        ...(k === 0 ? { inputShape: [width] } : {}),
        units: sizes[k + 1],
        activation: k < sizes.length - 2 ? 'relu' : 'linear',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 100 + k }),
        biasInitializer: 'zeros',
      }),
    );
  }
  const model = tf.sequential({ layers });
  // Projection onto the masks: w ← keep · w + pos · max(w, 0).
  const proj = masks?.map((m, k) => ({
    keep: tf.tensor2d(Float32Array.from(m, (c) => (c === 1 ? 1 : 0)), [sizes[k], sizes[k + 1]]),
    pos: tf.tensor2d(Float32Array.from(m, (c) => (c === 2 ? 1 : 0)), [sizes[k], sizes[k + 1]]),
  }));
  const project = () => {
    if (!proj) return;
    proj.forEach(({ keep, pos }, k) => {
      const [W, b] = layers[k].getWeights();
      const w2 = tf.tidy(() => W.mul(keep).add(tf.relu(W).mul(pos)));
      layers[k].setWeights([w2, b]);
      w2.dispose();
    });
  };
  project();
  const optimizer = tf.train.adam(o.learningRate);
  model.compile({ optimizer, loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.sigmoidCrossEntropy(yt, yp) });
  const xv = tf.tensor2d(Xv, [yv.length, width]);
  const yvT = tf.tensor2d(yv, [yv.length, 1]);
  const shuffle = new Rng(seed, 'judge-net-shuffle');
  const perm = Array.from({ length: n }, (_, i) => i);
  const Xs = new Float32Array(n * width);
  const ys = new Float32Array(n);
  let best = { loss: Infinity, epoch: -1, train: Infinity, weights: [] as Float32Array[] };
  const losses: number[] = [];
  let epoch = 0;
  try {
    for (; epoch < o.maxEpochs; epoch++) {
      shuffle.shuffle(perm);
      for (let i = 0; i < n; i++) {
        const r = perm[i];
        Xs.set(X.subarray(r * width, (r + 1) * width), i * width);
        ys[i] = y[r];
      }
      const xt = tf.tensor2d(Xs, [n, width]);
      const yt = tf.tensor2d(ys, [n, 1]);
      const h = await model.fit(xt, yt, { batchSize: o.batchSize, epochs: 1, shuffle: false, verbose: 0, yieldEvery: 'never', ...(proj ? { callbacks: { onBatchEnd: async () => project() } } : {}) });
      xt.dispose();
      yt.dispose();
      const trainLoss = Number(h.history.loss[0]);
      losses.push(trainLoss);
      // One big batch: evaluate's default batch of 32 makes validation cost more than the epoch.
      const vl = tf.tidy(() => model.evaluate(xv, yvT, { batchSize: 16384 }) as tf.Scalar);
      const v = (await vl.data())[0];
      vl.dispose();
      onEpoch?.(epoch, trainLoss, v);
      if (v < best.loss - 1e-7) best = { loss: v, epoch, train: trainLoss, weights: await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array)) };
      else if (epoch - best.epoch >= o.patience) {
        epoch++;
        break;
      }
    }
  } finally {
    xv.dispose();
    yvT.dispose();
    optimizer.dispose();
    proj?.forEach(({ keep, pos }) => {
      keep.dispose();
      pos.dispose();
    });
  }
  const net: NetJSON = { sizes, weights: [], biases: [] };
  for (let k = 0; k < sizes.length - 1; k++) {
    net.weights.push(Array.from(best.weights[2 * k]));
    net.biases.push(Array.from(best.weights[2 * k + 1]));
  }
  model.dispose();
  return { net, training: { epochs: epoch, bestEpoch: best.epoch, trainLoss: best.train, validationLoss: best.loss, losses } };
}
