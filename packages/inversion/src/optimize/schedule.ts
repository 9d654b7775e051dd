/** StyleGAN2 projector (stylegan2-ada-pytorch `projector.py`) schedule constants. */
export interface ProjectorSchedule {
  readonly initialLearningRate: number;
  readonly initialNoiseFactor: number;
  readonly lrRampdownLength: number;
  readonly lrRampupLength: number;
  readonly noiseRampLength: number;
}

export const PROJECTOR_SCHEDULE: ProjectorSchedule = Object.freeze({
  initialLearningRate: 0.1,
  initialNoiseFactor: 0.05,
  lrRampdownLength: 0.25,
  lrRampupLength: 0.05,
  noiseRampLength: 0.75,
});

/**
 * Learning rate and latent-noise scale at `step` of `steps`, exactly as projector.py:
 * t = step/steps; noise = w_std · f₀ · max(0, 1 − t/noise_ramp)²;
 * ramp = min(1, (1 − t)/rampdown); ramp = ½ − ½cos(π·ramp); ramp ·= min(1, t/rampup); lr = lr₀ · ramp.
 */
export function projectorStep(step: number, steps: number, wStd: number, s: ProjectorSchedule = PROJECTOR_SCHEDULE): { lr: number; noiseScale: number } {
  const t = step / steps;
  const noiseScale = wStd * s.initialNoiseFactor * Math.max(0, 1 - t / s.noiseRampLength) ** 2;
  let ramp = Math.min(1, (1 - t) / s.lrRampdownLength);
  ramp = 0.5 - 0.5 * Math.cos(ramp * Math.PI);
  ramp *= Math.min(1, t / s.lrRampupLength);
  return { lr: s.initialLearningRate * ramp, noiseScale };
}
