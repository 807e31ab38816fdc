// The shape every dataset of nudged has: feature vectors in natural units (before scaling to the
// input voltage range, see scaling.ts) and integer class labels 0..classes-1.

export interface Split {
  x: Float64Array[];
  y: number[];
}

export interface Dataset {
  name: string;
  features: number;
  classes: number;
  train: Split;
  test: Split;
  /** Known range shared by every feature (pixels: [0, 1]). When present, scaleToVolts maps it
   * linearly instead of using per-feature train statistics. */
  featureRange?: { min: number; max: number };
}
