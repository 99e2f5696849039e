/**
 * The part of three.js that web/render/mujoco.js uses, typed for `tsc -p web`. The page loads
 * the real module from /vendor/three.module.js (node_modules/three, which ships no types);
 * web/tsconfig.json maps that path here. Add a member when the renderer starts using it.
 */

export class Vector3 {
  constructor(x?: number, y?: number, z?: number);
  x: number;
  y: number;
  z: number;
  set(x: number, y: number, z: number): this;
  fromArray(array: ArrayLike<number>, offset?: number): this;
  copy(v: Vector3): this;
  add(v: Vector3): this;
  sub(v: Vector3): this;
  addScaledVector(v: Vector3, s: number): this;
  divideScalar(s: number): this;
  applyQuaternion(q: Quaternion): this;
  normalize(): this;
  distanceTo(v: Vector3): number;
}

export class Quaternion {
  constructor(x?: number, y?: number, z?: number, w?: number);
  x: number;
  y: number;
  z: number;
  w: number;
  set(x: number, y: number, z: number, w: number): this;
  copy(q: Quaternion): this;
  multiply(q: Quaternion): this;
  premultiply(q: Quaternion): this;
  setFromAxisAngle(axis: Vector3, angle: number): this;
  normalize(): this;
}

export class Color {
  constructor(r: number, g: number, b: number);
  r: number;
  g: number;
  b: number;
  clone(): Color;
  multiplyScalar(s: number): this;
}

export class Object3D {
  position: Vector3;
  quaternion: Quaternion;
  up: Vector3;
  add(...objects: Object3D[]): this;
  lookAt(target: Vector3): void;
}

export class Scene extends Object3D {
  fog: unknown;
}

export class PerspectiveCamera extends Object3D {
  constructor(fov?: number, aspect?: number, near?: number, far?: number);
  fov: number;
  aspect: number;
  updateProjectionMatrix(): void;
}

export class HemisphereLight extends Object3D {
  constructor(skyColor?: number, groundColor?: number, intensity?: number);
}

export class DirectionalLight extends Object3D {
  constructor(color?: number, intensity?: number);
}

export class BufferGeometry {
  scale(x: number, y: number, z: number): this;
  rotateX(angle: number): this;
}
export class PlaneGeometry extends BufferGeometry {
  constructor(width?: number, height?: number);
}
export class SphereGeometry extends BufferGeometry {
  constructor(radius?: number, widthSegments?: number, heightSegments?: number);
}
export class CapsuleGeometry extends BufferGeometry {
  constructor(radius?: number, length?: number, capSegments?: number, radialSegments?: number);
}
export class CylinderGeometry extends BufferGeometry {
  constructor(radiusTop?: number, radiusBottom?: number, height?: number, radialSegments?: number);
}
export class BoxGeometry extends BufferGeometry {
  constructor(width?: number, height?: number, depth?: number);
}

export const RepeatWrapping: number;
export const NearestFilter: number;
export const SRGBColorSpace: string;

export class Texture {
  wrapS: number;
  wrapT: number;
  repeat: { set(x: number, y: number): void };
  magFilter: number;
  colorSpace: string;
  needsUpdate: boolean;
}
export class DataTexture extends Texture {
  constructor(data: ArrayBufferView, width: number, height: number);
}

export class MeshStandardMaterial {
  constructor(parameters?: {
    color?: Color;
    map?: Texture;
    roughness?: number;
    metalness?: number;
    transparent?: boolean;
    opacity?: number;
  });
}

export class Mesh extends Object3D {
  constructor(geometry: BufferGeometry, material: MeshStandardMaterial);
}

export class WebGLRenderer {
  constructor(parameters?: {
    canvas?: HTMLCanvasElement;
    antialias?: boolean;
    preserveDrawingBuffer?: boolean;
  });
  setPixelRatio(ratio: number): void;
  setSize(width: number, height: number, updateStyle?: boolean): void;
  setClearColor(color: number, alpha?: number): void;
  render(scene: Object3D, camera: PerspectiveCamera): void;
  dispose(): void;
}
