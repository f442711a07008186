import type { ValueTransformer } from 'typeorm';

/**
 * pg returns NUMERIC and BIGINT as strings (they can exceed a double); the values kept here
 * (dollars to six places, stream sequences) fit a JavaScript number, so entities read them
 * as numbers.
 */
export const numberFromString: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
