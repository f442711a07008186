import { Injectable } from '@nestjs/common';

/** The time, behind a class so services never read `Date.now()` themselves. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
  nowIso(): string {
    return this.now().toISOString();
  }
}
