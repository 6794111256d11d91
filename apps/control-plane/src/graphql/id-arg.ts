import { Injectable, type PipeTransform } from '@nestjs/common';
import { Args, ID } from '@nestjs/graphql';
import { DomainError } from '@switchyard/protocol';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
class UuidPipe implements PipeTransform<string, string> {
  constructor(private readonly argName: string) {}

  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw DomainError.badInput([{ path: this.argName, message: 'must be an id returned by this API (a UUID)' }]);
    }
    return value.toLowerCase();
  }
}

/** An `ID!` argument that must be one of our UUIDs, checked before any query runs. */
export const IdArg = (name = 'id') => Args(name, { type: () => ID }, new UuidPipe(name));

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
