/**
 * A WGSL uniform struct declared once: a list of (name, WGSL type) gives both the struct text the
 * shader is compiled with and the bytes of the uniform buffer, written by name. Offsets follow
 * WGSL's layout rules for the uniform address space, so the host and the kernel cannot disagree on
 * where a field is (which positional writes into a Uint32Array left to the reader to check).
 */
import { SpladeError } from '../errors.ts';

type Scalar = 'u32' | 'i32' | 'f32';
type Vector = `vec${2 | 3 | 4}<${Scalar}>`;
export type UniformType = Scalar | Vector;

/** A field: its name in WGSL (and in the values object), its type, and what it holds (a WGSL comment). */
export type UniformField = readonly [name: string, type: UniformType, doc?: string];

/** The values a struct takes: a number per scalar field, a list of numbers per vector field. */
export type UniformValues<F extends readonly UniformField[]> = {
  readonly [K in F[number] as K[0]]: K[1] extends Scalar ? number : readonly number[];
};

export interface UniformStruct<F extends readonly UniformField[]> {
  readonly name: string;
  /** The `struct` declaration for the shader (put before the code that uses it). */
  readonly wgsl: string;
  /** Buffer size: the struct's size rounded up to 16 bytes, as a uniform binding requires. */
  readonly byteLength: number;
  /** Where each field starts, in bytes. */
  readonly offsets: Readonly<Record<F[number][0], number>>;
  /** The buffer's bytes for `values` (every field by name; padding stays zero). */
  pack(values: UniformValues<F>): ArrayBuffer;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Size and alignment (bytes) of a type, from WGSL's "Alignment and Size" table. */
function sizeOf(type: UniformType): { size: number; align: number; lanes: number; scalar: Scalar } {
  const m = /^vec([234])<(u32|i32|f32)>$/.exec(type);
  if (!m) return { size: 4, align: 4, lanes: 1, scalar: type as Scalar };
  const lanes = Number(m[1]);
  return { size: 4 * lanes, align: lanes === 2 ? 8 : 16, lanes, scalar: m[2] as Scalar };
}

export function uniformStruct<const F extends readonly UniformField[]>(name: string, fields: F): UniformStruct<F> {
  if (!IDENTIFIER.test(name))
    throw new SpladeError('invalid-input', `a WGSL struct name must be an identifier, got ${JSON.stringify(name)}`);
  if (fields.length === 0) throw new SpladeError('invalid-input', `struct ${name} needs at least one field`);
  const offsets: Record<string, number> = {};
  const layout: { name: string; offset: number; lanes: number; scalar: Scalar }[] = [];
  const lines: string[] = [];
  let end = 0;
  let structAlign = 4;
  for (const [field, type, doc] of fields) {
    if (!IDENTIFIER.test(field))
      throw new SpladeError(
        'invalid-input',
        `struct ${name}: a field name must be an identifier, got ${JSON.stringify(field)}`,
      );
    if (field in offsets)
      throw new SpladeError('invalid-input', `struct ${name}: the field "${field}" is declared twice`);
    const { size, align, lanes, scalar } = sizeOf(type);
    const offset = Math.ceil(end / align) * align;
    offsets[field] = offset;
    layout.push({ name: field, offset, lanes, scalar });
    lines.push(`  ${field}: ${type},${doc ? ` // ${doc}` : ''}`);
    end = offset + size;
    structAlign = Math.max(structAlign, align);
  }
  const size = Math.ceil(end / structAlign) * structAlign;
  const byteLength = Math.ceil(size / 16) * 16;
  const wgsl = `struct ${name} {\n${lines.join('\n')}\n};\n`;

  const pack = (values: UniformValues<F>): ArrayBuffer => {
    const buffer = new ArrayBuffer(byteLength);
    const view = new DataView(buffer);
    const given = values as unknown as Record<string, number | readonly number[] | undefined>;
    for (const key of Object.keys(given)) {
      if (!(key in offsets))
        throw new SpladeError(
          'invalid-input',
          `struct ${name} has no field "${key}"; its fields: ${layout.map((f) => f.name).join(', ')}`,
        );
    }
    for (const f of layout) {
      const value = given[f.name];
      const lanes = typeof value === 'number' ? [value] : value;
      if (lanes === undefined || lanes.length !== f.lanes || (typeof value === 'number') !== (f.lanes === 1)) {
        throw new SpladeError(
          'invalid-input',
          `struct ${name}: field "${f.name}" needs ${f.lanes === 1 ? 'a number' : `${f.lanes} numbers`}, got ${JSON.stringify(value)}`,
        );
      }
      lanes.forEach((x, k) => write(view, f.offset + 4 * k, f.scalar, x, `${name}.${f.name}`));
    }
    return buffer;
  };
  return { name, wgsl, byteLength, offsets: offsets as Record<F[number][0], number>, pack };
}

function write(view: DataView, at: number, scalar: Scalar, x: number, what: string): void {
  // Little-endian: WebGPU buffers hold the platform's byte order, little-endian everywhere it runs.
  if (scalar === 'f32') {
    if (typeof x !== 'number' || Number.isNaN(x))
      throw new SpladeError('invalid-input', `${what} (f32) must be a number, got ${JSON.stringify(x)}`);
    view.setFloat32(at, x, true);
  } else if (scalar === 'u32') {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff)
      throw new SpladeError('invalid-input', `${what} (u32) must be an integer from 0 to 2^32-1, got ${x}`);
    view.setUint32(at, x, true);
  } else {
    if (!Number.isInteger(x) || x < -0x80000000 || x > 0x7fffffff)
      throw new SpladeError('invalid-input', `${what} (i32) must be an integer from -2^31 to 2^31-1, got ${x}`);
    view.setInt32(at, x, true);
  }
}
