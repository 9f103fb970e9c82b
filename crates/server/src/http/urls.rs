//! Checks an external URL on its face (scheme, credentials, literal
//! forbidden addresses); resolution-time rules belong to the fetcher.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::error::ApiError;

/// The operator's allowlist (`VIDMATTE_URL_ALLOWLIST`): host names and
/// CIDRs (or single addresses) exempt from the private-address rules.
#[derive(Clone, Debug, Default)]
pub struct AddressRules {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl AddressRules {
    pub fn from_allowlist(entries: &[String]) -> Self {
        let mut rules = Self::default();
        for entry in entries {
            let entry = entry.trim().to_ascii_lowercase();
            if let Ok(net) = entry.parse::<IpNet>() {
                rules.nets.push(net);
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                rules.nets.push(IpNet::from(ip));
            } else if !entry.is_empty() {
                rules.hosts.push(entry);
            }
        }
        rules
    }

    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.hosts.contains(&host) || host.parse::<IpAddr>().is_ok_and(|ip| self.ip_allowed(ip))
    }

    pub fn ip_allowed(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(&ip))
    }
}

pub fn check_external(url: &str, param: &str, rules: &AddressRules) -> Result<(), ApiError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| ApiError::invalid(param, format!("{param} must be an http(s) URL")))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(ApiError::invalid(
            param,
            format!("{param} must not contain credentials"),
        ));
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    if host.is_empty() {
        return Err(ApiError::invalid(param, format!("{param} has no host")));
    }
    if rules.host_allowed(host) {
        return Ok(());
    }
    let lowered = host.to_ascii_lowercase();
    if lowered == "localhost"
        || lowered.ends_with(".localhost")
        || lowered == "metadata.google.internal"
    {
        return Err(ApiError::invalid(
            param,
            format!("{param} points at a private or local address"),
        ));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        if is_forbidden(ip) {
            return Err(ApiError::invalid(
                param,
                format!("{param} points at a private or local address"),
            ));
        }
    }
    Ok(())
}

pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_forbidden_addresses_are_refused() {
        for url in [
            "ftp://example.com/a.mp4",
            "http://127.0.0.1/a.mp4",
            "http://user:pw@example.com/a.mp4",
            "http://169.254.169.254/latest",
            "http://[::1]:8080/",
            "http://[::ffff:10.0.0.1]/",
            "http://100.64.0.1/",
            "http://localhost:3000/x",
        ] {
            assert!(
                check_external(url, "video_url", &AddressRules::default()).is_err(),
                "{url}"
            );
        }
        assert!(check_external(
            "https://example.com/a.mp4",
            "video_url",
            &AddressRules::default()
        )
        .is_ok());
    }

    #[test]
    fn the_allowlist_exempts_hosts_and_networks() {
        let rules = AddressRules::from_allowlist(&[
            "127.0.0.1".into(),
            "10.0.0.0/8".into(),
            "Media.Local".into(),
        ]);
        assert!(check_external("http://127.0.0.1:9000/a.mp4", "video_url", &rules).is_ok());
        assert!(check_external("http://10.2.3.4/a.mp4", "video_url", &rules).is_ok());
        assert!(check_external("http://media.local/a.mp4", "video_url", &rules).is_ok());
        assert!(check_external("http://192.168.1.1/a.mp4", "video_url", &rules).is_err());
    }
}
