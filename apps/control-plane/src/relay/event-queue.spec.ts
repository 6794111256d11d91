import { EventQueue } from './event-queue.js';

async function drain<T>(queue: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of queue) items.push(item);
  return items;
}

describe('EventQueue', () => {
  it('hands items to a waiting reader and buffers the rest, in order', async () => {
    const sut = new EventQueue<number>(10);
    const reading = drain(sut);

    sut.push(1);
    sut.push(2);
    sut.end();

    await expect(reading).resolves.toEqual([1, 2]);
  });

  it('lets the reader finish what is buffered before it throws the failure', async () => {
    const sut = new EventQueue<number>(10);
    sut.push(1);
    sut.fail(new Error('runner lost'));
    const seen: number[] = [];

    const reading = (async () => {
      for await (const item of sut) seen.push(item);
    })();

    await expect(reading).rejects.toThrow('runner lost');
    expect(seen).toEqual([1]);
  });

  it('says so when the reader is too far behind', () => {
    const sut = new EventQueue<number>(2);

    expect([sut.push(1), sut.push(2), sut.push(3)]).toEqual([true, true, false]);
  });

  it('has one reader', () => {
    const sut = new EventQueue<number>(2);
    sut[Symbol.asyncIterator]();

    expect(() => sut[Symbol.asyncIterator]()).toThrow(/one consumer/);
  });
});
