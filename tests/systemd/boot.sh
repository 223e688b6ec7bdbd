#!/bin/bash
# Boot a real systemd (PID 1 of new namespaces) on a copy-on-write view of this machine,
# with RefWatch's units from deploy/ installed, and keep it running until killed.
#
# Why so walled off: systemd as PID 1 acts on the whole file system it sees. Booted once
# on this machine's own root it cleaned /tmp (systemd-tmpfiles) and stopped the running
# PostgreSQL (its lock file went). Here everything it writes or deletes lands in an
# overlay on a tmpfs that disappears with it; it has its own PID, IPC, UTS, mount and
# network namespaces (only its own loopback), its own /dev, /run and /tmp, and is told it
# runs in a container (`container=`), so it skips udev and the machine's own services are
# masked. Nothing outside changes but the cgroup folders it makes.
#
# Usage (root): boot.sh REPO WORKDIR   — WORKDIR gets `ready` (the PID of systemd, for
# nsenter) once the units are installed; stop it by killing this script's process group.
set -euo pipefail
REPO=$(realpath "$1")
WORK=$(realpath "$2")

if [ "${REFWATCH_SYSTEMD_STAGE:-}" != inside ]; then
    export REFWATCH_SYSTEMD_STAGE=inside
    exec unshare --mount --pid --ipc --uts --net --fork --kill-child --propagation private \
        "$0" "$REPO" "$WORK"
fi

LAYER="$WORK/layer"
mkdir -p "$LAYER"
mount -t tmpfs -o size=4g,mode=700 refwatch-drill "$LAYER"
mkdir "$LAYER/upper" "$LAYER/work" "$LAYER/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$LAYER/upper,workdir=$LAYER/work" "$LAYER/root"
ROOT="$LAYER/root"

mount -t proc proc "$ROOT/proc"
mount -t sysfs -o ro sysfs "$ROOT/sys"
mount --rbind /sys/fs/cgroup "$ROOT/sys/fs/cgroup"
mount -t tmpfs -o mode=755 dev "$ROOT/dev"
for node in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" "urandom c 1 9" "tty c 5 0"; do
    set -- $node
    mknod -m 666 "$ROOT/dev/$1" "$2" "$3" "$4"
done
mkdir "$ROOT/dev/pts" "$ROOT/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
ln -s pts/ptmx "$ROOT/dev/ptmx"
mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"
mount -t tmpfs -o mode=755 run "$ROOT/run"
mount -t tmpfs -o mode=1777 tmp "$ROOT/tmp"

# The machine's own services stay down; only RefWatch's run.
for unit in $(chroot "$ROOT" systemctl list-unit-files --type=service --state=enabled --no-legend 2>/dev/null | awk '{print $1}'); do
    chroot "$ROOT" systemctl mask "$unit" >/dev/null 2>&1 || true
done
for unit in postgresql.service redis-server.service caddy.service cron.service ssh.service; do
    chroot "$ROOT" systemctl mask "$unit" >/dev/null 2>&1 || true
done

# RefWatch installed as docs/deploy.md says: its own user, the repository at /opt/refwatch,
# the workspace under /var/lib/refwatch, the keyfile as an encrypted credential.
chroot "$ROOT" useradd --system --home-dir /var/lib/refwatch --create-home --shell /usr/sbin/nologin refwatch
chroot "$ROOT" chmod 700 /var/lib/refwatch
ln -s "$REPO" "$ROOT/opt/refwatch"
mkdir -p "$ROOT/etc/refwatch" "$ROOT/var/backups/refwatch"
chroot "$ROOT" chown refwatch:refwatch /var/backups/refwatch
chroot "$ROOT" chmod 700 /var/backups/refwatch
head -c 32 /dev/urandom > "$ROOT/root/refwatch.key"
chmod 600 "$ROOT/root/refwatch.key"
chroot "$ROOT" /opt/refwatch/.venv/bin/refwatch \
    --workspace /var/lib/refwatch/workspace --keyfile /root/refwatch.key init >/dev/null
chroot "$ROOT" chown -R refwatch:refwatch /var/lib/refwatch
chroot "$ROOT" systemd-creds setup >/dev/null 2>&1 || true
chroot "$ROOT" systemd-creds encrypt --name=refwatch-key /root/refwatch.key /etc/refwatch/refwatch-key.cred
install -o "$(chroot "$ROOT" id -u refwatch)" -g "$(chroot "$ROOT" id -g refwatch)" -m 400 \
    "$ROOT/root/refwatch.key" "$ROOT/etc/refwatch/drill.key"
rm "$ROOT/root/refwatch.key"

for unit in refwatch.service refwatch-backup.service refwatch-backup.timer; do
    cp "$REPO/deploy/$unit" "$ROOT/etc/systemd/system/$unit"
done
# This machine only: the venv's Python (pyenv) and perhaps the checkout itself live under
# /root or /home, which ProtectHome hides from the service; those two are shown to it,
# read-only.
PYHOME=$(dirname "$(dirname "$(realpath "$REPO/.venv/bin/python")")")
for unit in refwatch.service refwatch-backup.service; do
    mkdir -p "$ROOT/etc/systemd/system/$unit.d"
    {
        echo "[Service]"
        for path in "$PYHOME" "$REPO"; do
            case "$path" in
                /root/*|/home/*) echo "ProtectHome=tmpfs"; echo "BindReadOnlyPaths=$path";;
            esac
        done
        echo "Environment=REFWATCH_PUBLIC_URL=http://127.0.0.1:8000"
        # This machine only: systemd 252 in these namespaces decrypts the credential but
        # leaves its folder root-only (no ACL, no ownership for the service's user), and
        # the service cannot read its key. So here the key is a keyfile readable by the
        # service's user alone, outside the workspace, named by REFWATCH_KEYFILE.
        echo "LoadCredentialEncrypted="
        echo "Environment=REFWATCH_KEYFILE=/etc/refwatch/drill.key"
    } > "$ROOT/etc/systemd/system/$unit.d/this-machine.conf"
done
cat > "$ROOT/etc/systemd/system/refwatch-drill.target" <<UNIT
[Unit]
Description=RefWatch's units on a real systemd (tests/systemd/boot.sh)
Requires=refwatch.service refwatch-backup.timer
After=refwatch.service refwatch-backup.timer
AllowIsolate=yes
UNIT

echo $$ > "$WORK/ready"
cd "$ROOT"
exec chroot . /usr/bin/env -i container=refwatch-drill PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd --system --unit=refwatch-drill.target --log-target=console \
    --show-status=no
