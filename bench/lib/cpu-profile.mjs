/**
 * Preloaded into the service by `bench/service.ts --cpu-prof DIR` (`NODE_OPTIONS=--import …`, because node refuses
 * `--cpu-prof` in NODE_OPTIONS and the service is started by test/support/service-process.ts): profiles the main
 * thread from start to exit and writes `DIR/service-<pid>.cpuprofile`, readable by Chrome DevTools or a script.
 * Plain JavaScript: the built service runs on node without tsx.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.THUMBSMITH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // A same-thread inspector session answers synchronously, so the profile is written before the process is gone.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `service-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
