// A minimal event emitter: the player's internal bus (controllers talk through it, the way
// hls.js controllers talk through hls events) and its public `on()` subscription.
// Listener exceptions are caught and reported on the console so that one faulty subscriber
// (an embedding page's code) cannot break the player's own controllers.

export class Emitter {
  #listeners = new Map();

  // Subscribes `fn` to `type`; returns a function that unsubscribes it.
  on(type, fn) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(fn);
    return () => this.off(type, fn);
  }

  off(type, fn) {
    this.#listeners.get(type)?.delete(fn);
  }

  emit(type, data) {
    for (const fn of [...(this.#listeners.get(type) ?? [])]) {
      try {
        fn(data);
      } catch (error) {
        console.error(`steadycast-player: a "${type}" listener threw`, error);
      }
    }
  }

  clear() {
    this.#listeners.clear();
  }
}
