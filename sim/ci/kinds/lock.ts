// Locks: another job or process holds a lock for a while (dpkg, Terraform state, a Helm release, a migration
// lock, Git's index.lock) and waiting for it helps; next to locks nobody will release (a Helm release stuck in
// pending-upgrade, a state lock left by a crashed run days ago), a lock file the job may not open, and lock
// files that disagree with the configuration.
import type { FailureKind } from '../types.ts';
import { t, JVM, RUST } from './t.ts';

const TF_LOCK = '╷\n│ Error: Error acquiring the state lock\n│ \n│ Error message: ConditionalCheckFailedException: The conditional request\n│ failed\n│ Lock Info:\n│   ID:        {lockid}\n│   Path:      {org}-tfstate/{repo}/terraform.tfstate\n│   Operation: OperationTypeApply\n│   Who:       {lockwho}\n│   Version:   1.8.{count}\n│   Created:   {lockcreated}\n│   Info:      \n│ \n│ \n│ Terraform acquires a state lock to protect the state from being written\n│ by multiple users at the same time. Please resolve the issue above and try\n│ again. For most commands, you can disable locking with the "-lock=false"\n│ flag, but this is not recommended.\n╵';
const HELM_BUSY = 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress';
const LIQUIBASE = 'Waiting for changelog lock....\nWaiting for changelog lock....\nWaiting for changelog lock....\nliquibase.exception.LockException: Could not acquire change log lock.  Currently locked by {lockwho} since {lockcreated}';
const PULUMI = 'error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n  s3://{org}-pulumi/.pulumi/locks/{repo}/staging/{lockid}.json: created by {lockwho} (pid {pid}) at {lockcreated}';

export const LOCK_CONTENTION: FailureKind = {
  id: 'lock-contention',
  category: 'lock',
  transient: true,
  remediation: 'wait-for-lock',
  steps: ['checkout', 'install', 'build', 'migrate', 'deploy'],
  exitCodes: [1],
  summary: 'another job or process holds a lock for a while: dpkg, Terraform state, a Helm release, a migration lock, Git\'s index.lock',
  hint: 'another job holds the lock; wait for it to finish and retry',
  templates: [
    t('E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process {pid} (unattended-upgr)\nN: Be aware that removing the lock file is not a solution and may break your system.\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?', { steps: ['install'], exit: 100 }),
    t('E: Could not get lock /var/lib/apt/lists/lock. It is held by process {pid} (apt-get)\nN: Be aware that removing the lock file is not a solution and may break your system.\nE: Unable to lock directory /var/lib/apt/lists/', { steps: ['install'], exit: 100 }),
    t(TF_LOCK, { steps: ['deploy'] , tool: ['terraform'] }),
    t(HELM_BUSY, { steps: ['deploy'] , tool: ['helm'] }),
    t(PULUMI, { steps: ['deploy'], exit: 255 , tool: ['pulumi'] }),
    t("fatal: Unable to create '{workdir}/.git/index.lock': File exists.\n\nAnother git process seems to be running in this repository, e.g.\nan editor opened by 'git commit'. Please make sure all processes\nare terminated then try again. If it still fails, a git process\nmay have crashed in this repository earlier:\nremove the file manually to continue.", { steps: ['checkout'], exit: 128 }),
    t(" ! [remote rejected] main -> main (cannot lock ref 'refs/heads/main': is at {longsha} but expected {longsha2})\nerror: failed to push some refs to 'https://{githost}/{org}/{repo}-deploy.git'", { steps: ['deploy'] }),
    t('Timeout waiting to lock build cache ({cachedir}). It is currently in use by another Gradle instance.\nOwner PID: {pid}\nOur PID: {pid2}\nOwner Operation: \nOur operation: \nLock file: {cachedir}/build-cache-1.lock', { eco: JVM, steps: ['build', 'install'], tool: ['gradle'] }),
    t('    Blocking waiting for file lock on package cache\n    Blocking waiting for file lock on package cache\nerror: timed out waiting for the file lock on {cachedir}/.package-cache after {secs}s', { eco: RUST, steps: ['install', 'build'] }),
    t(LIQUIBASE, { steps: ['migrate'] }),
    t('ERROR:  canceling statement due to lock timeout\nCONTEXT:  while updating tuple (0,{count}) in relation "schema_migrations"\nmigration failed: could not lock the migrations table', { steps: ['migrate'], db: ['postgres'] }),
    t('sqlalchemy.exc.OperationalError: (psycopg2.errors.LockNotAvailable) could not obtain lock on relation "alembic_version"\n[SQL: LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE NOWAIT]', { steps: ['migrate'], db: ['postgres'] }),
    t('ERROR 1205 (HY000) at line {line}: Lock wait timeout exceeded; try restarting transaction', { steps: ['migrate'], db: ['mysql'] }),
    t("Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process {pid} (unattended-upgr)... {secs}s\nE: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process {pid} (unattended-upgr)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?", { steps: ['install'], exit: 100 }),
    t("error MSB3027: Could not copy \"obj/Release/net8.0/App.dll\" to \"bin/Release/net8.0/App.dll\". Exceeded retry count of 10. Failed. The file is locked by: \"VBCSCompiler ({pid})\"", { steps: ['build'], weight: 0.5 }),
    t("Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress", { steps: ['deploy'], tool: ['helm'] }),
  ],
};

export const STALE_LOCK: FailureKind = {
  id: 'stale-lock',
  category: 'lock',
  transient: false,
  steps: ['checkout', 'install', 'migrate', 'deploy'],
  exitCodes: [1],
  summary: 'a lock nobody will release (left by a crashed run, a release stuck mid-upgrade), a lock file the job may not open, a lock file that disagrees with the configuration',
  hint: 'the lock will not clear by itself; release it by hand (force-unlock, roll the release back) or fix the job',
  templates: [
    t(TF_LOCK, { steps: ['deploy'] , tool: ['terraform'] }),
    t(HELM_BUSY, { steps: ['deploy'] , tool: ['helm'] }),
    t('REVISION\tUPDATED                 \tSTATUS         \tCHART\n{count}\t{lockcreated}\tpending-upgrade\t{chart}-{chartver}\n' + HELM_BUSY, { steps: ['deploy'] , tool: ['helm'] }),
    t(PULUMI, { steps: ['deploy'], exit: 255 , tool: ['pulumi'] }),
    t(LIQUIBASE, { steps: ['migrate'] }),
    t('E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?', { steps: ['install'], exit: 100 }),
    t('E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\nE: Unable to lock directory /var/lib/apt/lists/\nW: Problem unlinking the file /var/cache/apt/pkgcache.bin - RemoveCaches (13: Permission denied)', { steps: ['install'], exit: 100 }),
    t("error: cannot lock ref 'refs/remotes/origin/{word}/{area}': 'refs/remotes/origin/{word}' exists; cannot create 'refs/remotes/origin/{word}/{area}'\n ! [new branch]      {word}/{area} -> origin/{word}/{area}  (unable to update local ref)", { steps: ['checkout'] }),
    t('╷\n│ Error: Error locking state: Error acquiring the state lock: 2 errors occurred:\n│ \t* ResourceNotFoundException: Requested resource not found\n│ \t* ResourceNotFoundException: Requested resource not found\n│ \n│ Terraform acquires a state lock to protect the state from being written\n│ by multiple users at the same time.\n╵', { steps: ['deploy'] , tool: ['terraform'] }),
    t('╷\n│ Error: Inconsistent dependency lock file\n│ \n│ The following dependency selections recorded in the lock file are inconsistent with the current configuration:\n│   - provider registry.terraform.io/hashicorp/aws: locked version selection 5.{n}.0 doesn\'t match the updated version constraints "~> 4.0"\n│ \n│ To update the locked dependency selections to match a changed configuration, run:\n│   terraform init -upgrade\n╵', { steps: ['deploy'] , tool: ['terraform'] }),
    t("Waiting for changelog lock....\nWaiting for changelog lock....\nWaiting for changelog lock....\nERROR: Exception Primary Class:  LockException\nERROR: Exception Primary Reason:  Could not acquire change log lock.  Currently locked by {lockwho} since {lockcreated}\nUnexpected error running Liquibase: Could not acquire change log lock.  Currently locked by {lockwho} since {lockcreated}", { steps: ['migrate'] }),
  ],
};
