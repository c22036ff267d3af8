// The machine the job runs on: a runner lost mid-job (preempted, evicted, OOM-killed by a neighbour), no runner
// to take the job, a runner whose disk is full, next to a build that runs out of memory on every run. "Killed",
// 137 and "out of memory" occur on both sides.
import type { FailureKind } from '../types.ts';
import { t, NODE, PY, JVM, GO, RUST } from './t.ts';
import { CI_STEPS } from '../types.ts';

export const RUNNER_LOST: FailureKind = {
  id: 'runner-lost',
  category: 'infra',
  transient: true,
  remediation: 'other-runner',
  steps: CI_STEPS,
  exitCodes: [137, 143, 1],
  summary: 'the runner or agent went away mid-job: spot preemption, pod eviction, host OOM killer, lost heartbeat',
  hint: 'the runner {runner} was lost; retry on another runner',
  templates: [
    t('##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.\n##[error]The operation was canceled.', { ci: ['github-actions'], system: true, exit: 143 }),
    t('The hosted runner: {runner} lost communication with the server. Anything in your workflow that terminates the runner process, starves it for CPU/Memory, or blocks its network access can cause this error.', { ci: ['github-actions'], system: true, exit: 1 }),
    t('##[error]The self-hosted runner: {runner} lost communication with the server. Verify the machine is running and has a healthy network connection.', { ci: ['github-actions'], system: true, exit: 1 }),
    t('ERROR: Job failed (system failure): pod "{ns}/{runnerpod}" status is "Failed"', { ci: ['gitlab'], system: true, exit: 1 }),
    t('WARNING: Event retrieved from the cluster: The node was low on resource: memory. Threshold quantity: 100Mi, available: {n}Ki. Container build was using {n}Ki, request is 0.\nERROR: Job failed (system failure): pod "{ns}/{runnerpod}" was evicted', { ci: ['gitlab'], system: true, exit: 1 }),
    t('/usr/bin/bash: line {count}: {pid} Killed                  {cmd}\nERROR: Job failed: exit code 137', { ci: ['gitlab'], system: true, exit: 137 }),
    t('Received graceful termination signal (spot instance interruption notice), shutting down job\n🚨 Error: The command was interrupted by a signal: terminated', { ci: ['buildkite'], system: true, exit: 143 }),
    t('Agent lost: agent {runner} stopped sending heartbeats and was marked as lost; the job was cancelled', { ci: ['buildkite'], system: true, exit: -1 }),
    t('FATAL: command execution failed\njava.io.EOFException\n\tat java.base/java.io.ObjectInputStream$PeekInputStream.readFully(ObjectInputStream.java:2933)\nCaused: hudson.remoting.ChannelClosedException: Channel "hudson.remoting.Channel@{hexid}:{runner}": Remote call on {runner} failed. The channel is closing down or has closed down\nAgent {runner} was marked offline: Connection was broken', { ci: ['jenkins'], system: true, exit: 1 }),
    t('Cannot contact {runner}: java.lang.InterruptedException\nCould not connect to {runner} to send interrupt signal to process', { ci: ['jenkins'], system: true, exit: 143 }),
    t('[{hms}] Out of memory: Killed process {pid} (node) total-vm:{n}kB, anon-rss:{n}kB, file-rss:0kB, shmem-rss:0kB\nKilled', { eco: NODE, exit: 137 }),
    t('error Command failed with signal "SIGKILL".\ninfo Visit https://yarnpkg.com/en/docs/cli/run for documentation about this command.', { eco: NODE, exit: 137 , tool: ['yarn'] }),
    t('Terminated\nThe job was terminated because the runner VM was reclaimed by the cloud provider (preemption).', { system: true, exit: 143 }),
  ],
};

export const NO_RUNNER: FailureKind = {
  id: 'no-runner',
  category: 'infra',
  transient: true,
  steps: CI_STEPS,
  exitCodes: [1],
  summary: 'no runner picks the job up in time, or a build quota is exhausted, during a capacity crunch',
  hint: 'no runner capacity right now; retry when the queue drains',
  templates: [
    t('Requested labels: ubuntu-latest-{count}-cores\nWaiting for a runner to pick up this job...\n##[error]The job was canceled because no runner picked it up within {min} minutes.', { ci: ['github-actions'], system: true }),
    t('This job is stuck because the project doesn\'t have any runners online assigned to it.\nERROR: Job failed (system failure): timed out waiting for a runner after {min}m0s', { ci: ['gitlab'], system: true }),
    t('Waiting for pod {ns}/{runnerpod} to be running, status is Pending\n\tUnschedulable: "0/{count} nodes are available: {count} Insufficient cpu, {count} Insufficient memory. preemption: 0/{count} nodes are available: {count} No preemption victims found for incoming pod."\nERROR: Job failed (system failure): prepare environment: waiting for pod running: timed out waiting for pod to start', { ci: ['gitlab'], system: true }),
    t('Job expired: no agent matching queue={word}-builders accepted the job within {min} minutes', { ci: ['buildkite'], system: true }),
    t("Still waiting to schedule task\nAll nodes of label 'linux-docker' are offline\nTimeout has been exceeded\nFinished: ABORTED", { ci: ['jenkins'], system: true }),
    t("ERROR: (gcloud.builds.submit) FAILED_PRECONDITION: Quota exceeded for quota metric 'Concurrent Build CPUs' and limit 'Concurrent Build CPUs per region' of service 'cloudbuild.googleapis.com' for consumer 'project_number:{n}'.", { steps: ['image-build', 'build'] }),
    t('An error occurred (AccountLimitExceededException) when calling the StartBuild operation: Cannot have more than {count} builds in queue for the account', { steps: ['image-build', 'build', 'integration-tests'], exit: 254 }),
    t('ERROR: Preparation failed: Error creating machine: Error in driver during machine creation: Error launching instance: InsufficientInstanceCapacity: We currently do not have sufficient c5.2xlarge capacity in the Availability Zone you requested ({region}a).\nWill be retried in 3s ...\nERROR: Job failed (system failure): no free machines', { ci: ['gitlab'], system: true }),
    t('Error: Job {jobid} was canceled: the maximum number of concurrent jobs ({count}) for this account is in use and the job waited {min} minutes', { system: true }),
  ],
};

export const DISK_FULL: FailureKind = {
  id: 'disk-full',
  category: 'infra',
  transient: true,
  remediation: 'other-runner',
  steps: ['checkout', 'install', 'build', 'unit-tests', 'integration-tests', 'image-build'],
  exitCodes: [1],
  summary: 'the runner\'s disk is full (left-over images, caches, workspaces): the same runner fails until it is cleaned',
  hint: 'the disk of runner {runner} is full; retry on another runner',
  templates: [
    t('npm ERR! code ENOSPC\nnpm ERR! syscall write\nnpm ERR! errno -28\nnpm ERR! nospc ENOSPC: no space left on device, write\nnpm ERR! nospc There appears to be insufficient space on your system to finish.\nnpm ERR! nospc Clear up some disk space and try again.', { eco: NODE, steps: ['install', 'build'], tool: ['npm'] }),
    t('ERROR: failed to solve: failed to copy files: copy file range failed: no space left on device', { steps: ['image-build'] }),
    t('write /var/lib/docker/tmp/GetImageBlob{n}: no space left on device', { steps: ['image-build', 'integration-tests'] }),
    t('fatal: write error: No space left on device\nfatal: fetch-pack: invalid index-pack output', { steps: ['checkout'], exit: 128 }),
    t('ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device', { eco: PY, steps: ['install'], tool: ['pip', 'poetry'] }),
    t("> Task :compileJava FAILED\n\nFAILURE: Build failed with an exception.\n\n* What went wrong:\nExecution failed for task ':compileJava'.\n> java.io.IOException: No space left on device", { eco: JVM, steps: ['build', 'unit-tests'], tool: ['gradle'] }),
    t('go: writing go.mod cache: mkdir {cachedir}/cache/download/{pkg}/@v: no space left on device', { eco: GO, steps: ['install', 'build'] }),
    t('# github.com/{org}/{repo}/internal/{area}\ncompile: writing output: write $WORK/b{n}/_pkg_.a: no space left on device', { eco: GO, steps: ['build', 'unit-tests'] }),
    t('error: failed to write {workdir}/target/debug/deps/lib{crate}-{hexid}.rlib: No space left on device (os error 28)', { eco: RUST, steps: ['build', 'unit-tests'] }),
    t("OSError: [Errno 28] No space left on device: '/tmp/pytest-of-runner/pytest-{count}'", { eco: PY, steps: ['unit-tests', 'integration-tests'] }),
    t("System.IO.IOException: No space left on device : '/home/runner/runners/2.{n}.0/_diag/Worker_{hexid}-utc.log'", { ci: ['github-actions'], system: true }),
    t('ERROR: Job failed (system failure): Error response from daemon: mkdir /var/lib/docker/overlay2/{hexid}-init: no space left on device', { ci: ['gitlab'], system: true }),
    t("mkdir: cannot create directory '{workdir}/.cache/{word}': No space left on device", { weight: 0.5 }),
  ],
};

export const BUILD_OOM: FailureKind = {
  id: 'build-oom',
  category: 'infra',
  transient: false,
  steps: ['lint', 'build', 'unit-tests', 'integration-tests', 'image-build'],
  exitCodes: [137, 1],
  summary: 'the build or test process itself needs more memory than the job has: killed the same way on every run',
  hint: 'the build or test process runs out of memory on every run; raise its memory limit or cut its memory use',
  templates: [
    t('<--- Last few GCs --->\n\n[{pid}:0x{addr}]   {n} ms: Mark-Compact {heapmb}.1 ({heapmb}.4) -> {heapmb}.9 ({heapmb}.2) MB, {n}.3 / 0.0 ms  (average mu = 0.112, current mu = 0.021) allocation failure\n\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb7b3e0 node::OOMErrorHandler() [node]\n 2: 0xf07a50 v8::Utils::ReportOOMFailure(v8::internal::Isolate*, char const*, v8::OOMDetails const&) [node]', { eco: NODE, exit: 134 }),
    t('FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory\nAborted (core dumped)', { eco: NODE, exit: 134 }),
    t('[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.13.0:compile (default-compile) on project {repo}: Fatal error compiling: java.lang.OutOfMemoryError: Java heap space -> [Help 1]', { eco: JVM , tool: ['maven'] }),
    t("FAILURE: Build failed with an exception.\n\n* What went wrong:\nGradle build daemon disappeared unexpectedly (it may have been killed or may have crashed)", { eco: JVM , tool: ['gradle'] }),
    t('[ERROR] The forked VM terminated without properly saying goodbye. VM crash or System.exit called?\n[ERROR] Command was /bin/sh -c cd {workdir} && /opt/java/openjdk/bin/java -Xmx{memmb}m -jar {workdir}/target/surefire/surefirebooter{n}.jar\n[ERROR] Error occurred in starting fork, check output in log\n[ERROR] Process Exit Code: 137', { eco: JVM, steps: ['unit-tests', 'integration-tests'], tool: ['maven'] }),
    t('error: could not compile `{repo}` (lib)\n\nCaused by:\n  process didn\'t exit successfully: `{workdir}/target/release/build/{repo}-{hexid}/rustc --crate-name {repo} --edition=2021 src/lib.rs` (signal: 9, SIGKILL: kill)', { eco: RUST, exit: 101 }),
    t('go build github.com/{org}/{repo}/cmd/server: /usr/local/go/pkg/tool/linux_amd64/compile: signal: killed', { eco: GO }),
    t('c++: fatal error: Killed signal terminated program cc1plus\ncompilation terminated.\ngyp ERR! build error\ngyp ERR! stack Error: `make` failed with exit code: 2', { eco: NODE, steps: ['build', 'image-build'] }),
    t('Killed\nerror Command failed with exit code 137.', { eco: NODE , tool: ['yarn'] }),
    t('ERROR: failed to solve: process "/bin/sh -c {buildcmd}" did not complete successfully: exit code: 137', { steps: ['image-build'] }),
    t('ERROR: Job failed: command terminated with exit code 137\nWARNING: container "build" in pod {runnerpod} was OOMKilled (limit {memmb}Mi)', { ci: ['gitlab'], system: true, exit: 137 }),
    t('E   MemoryError\n\n{testfile}:{line}: MemoryError\n=========================== short test summary info ============================\nFAILED {test} - MemoryError', { eco: PY, steps: ['unit-tests', 'integration-tests'] }),
    t('[gw{count}] node down: Not properly terminated\nreplacing crashed worker gw{count}\nFatal Python error: Cannot allocate memory (out of memory)', { eco: PY, steps: ['unit-tests', 'integration-tests'] }),
    t('/usr/bin/bash: line {count}: {pid} Killed                  {cmd}', { exit: 137, weight: 0.5 }),
  ],
};
