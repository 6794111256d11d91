/**
 * Runs `work` one at a time. A call while a run is under way gets the next run, which starts when
 * the current one has ended and is shared by every call made meanwhile: each caller gets a run
 * that started after its call (so it sees what was true then), runs never overlap (so an older
 * one never finishes after a newer one), and a burst of calls costs two runs, not one each.
 * `work` must not reject.
 */
export class CoalescedRun {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly work: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.running === undefined) {
      this.running = this.work().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.next ??= this.running.then(() => {
      this.next = undefined;
      return this.run();
    });
    return this.next;
  }
}
