import { redactSecretValues, StderrLines } from './stderr-lines.js';

describe('StderrLines', () => {
  it('emits whole lines across chunk boundaries, without CR, and the unterminated last line at the end', () => {
    const lines: string[] = [];
    const sut = new StderrLines((line) => lines.push(line));

    sut.push('starting\r\nlisten');
    sut.push('ing on stdio\npartial');
    sut.end();

    expect(lines).toEqual(['starting', 'listening on stdio', 'partial']);
  });

  it('cuts a long line and says how much was left out, keeping memory bounded', () => {
    const lines: string[] = [];
    const sut = new StderrLines((line) => lines.push(line), 10);

    sut.push('0123456789abc');
    sut.push('def\nnext\n');

    expect(lines).toEqual(['0123456789… [6 more characters]', 'next']);
  });
});

describe('redactSecretValues', () => {
  it('replaces every occurrence of a secret value, but not values too short to be credentials', () => {
    expect(redactSecretValues('token=sk-live-abc; again sk-live-abc; n=1', ['sk-live-abc', '1'])).toBe(
      'token=[redacted]; again [redacted]; n=1',
    );
  });
});
