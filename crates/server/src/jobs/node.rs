//! This process as a holder of leases. A lease's owner names the host and
//! the process (`host/pid/boot`), so a restarted node releases at once the
//! leases its killed predecessor left (they would otherwise count toward
//! their key's running-jobs cap until they expired); and jobs nobody will
//! run again — out of attempts, or canceled across a crash — are ended here,
//! with their work files.

use crate::AppState;

/// This machine's name in lease owners: `VIDMATTE_NODE_ID`, else the host name.
fn host() -> String {
    std::env::var("VIDMATTE_NODE_ID")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().replace('/', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// A lease owner unique to this process.
pub fn owner() -> String {
    format!("{}/{}/{}", host(), std::process::id(), ulid::Ulid::new())
}

/// This process's one owner name, for roles it holds as a whole (the sweeper).
pub fn owner_of_process() -> &'static str {
    static OWNER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OWNER.get_or_init(owner)
}

/// The pid in an owner written on this host.
fn local_pid(owner: &str, host: &str) -> Option<u32> {
    owner
        .strip_prefix(host)?
        .strip_prefix('/')?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// False only when `pid` is certainly gone (no such process, or a zombie);
/// where that cannot be told, the lease is left to expire.
fn is_alive(pid: u32) -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(
            stat.rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next()),
            Some('Z' | 'X')
        ),
        Err(_) => false,
    }
}

/// Expires the live leases of this host's processes that have died.
pub async fn release_dead_leases(app: &AppState) {
    let host = host();
    let owners = match app.store.live_lease_owners().await {
        Ok(owners) => owners,
        Err(e) => return tracing::warn!(error = %e, "listing leases"),
    };
    for owner in owners {
        let Some(pid) = local_pid(&owner, &host) else {
            continue;
        };
        if pid == std::process::id() || is_alive(pid) {
            continue;
        }
        match app.store.expire_leases_of(&owner).await {
            Ok(n) => tracing::info!(owner, jobs = n, "released the leases of a dead process"),
            Err(e) => tracing::warn!(owner, error = %e, "releasing leases"),
        }
    }
}

/// Ends jobs left without a worker that will not run again, and removes
/// their work folders.
pub async fn end_abandoned(app: &AppState) {
    match app.store.end_abandoned().await {
        Ok(ended) => {
            for id in ended {
                tracing::info!(job_id = %id, "ended an abandoned job");
                let _ = tokio::fs::remove_dir_all(super::worker::work_dir(app, &id)).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "ending abandoned jobs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_name_their_host_and_process() {
        assert_eq!(local_pid("box/123/01J", "box"), Some(123));
        assert_eq!(local_pid("boxer/123/01J", "box"), None);
        assert_eq!(local_pid("other/123/01J", "box"), None);
        assert!(is_alive(std::process::id()));
        assert!(!is_alive(u32::MAX - 1));
    }
}
