//! Checks an external URL on its face (scheme, credentials, literal
//! forbidden addresses, local and cloud-metadata host names) and owns the
//! list of forbidden address blocks; resolution-time checks belong to the
//! fetcher and the webhook sender, which use the same list.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use url::Host;

use super::error::ApiError;

/// The operator's allowlist (`VIDMATTE_URL_ALLOWLIST`): host names and
/// CIDRs (or single addresses) exempt from the private-address rules.
#[derive(Clone, Debug, Default)]
pub struct AddressRules {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
    /// `webhook_url` may use plain http (`VIDMATTE_WEBHOOK_ALLOW_HTTP`).
    pub webhook_http: bool,
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

    pub fn with_webhook_http(mut self, allowed: bool) -> Self {
        self.webhook_http = allowed;
        self
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

    /// Whether `host`, resolved to `ip`, may not be connected to.
    pub fn refuses(&self, host: &str, ip: IpAddr) -> bool {
        !self.host_allowed(host) && !self.ip_allowed(ip) && is_forbidden(ip)
    }
}

/// Names that answer with cloud instance metadata (and credentials) from
/// inside a VM; some resolve only there, so resolving cannot be relied on.
const METADATA_NAMES: [&str; 6] = [
    "metadata.google.internal",
    "metadata.goog",
    "instance-data.ec2.internal",
    "metadata.tencentyun.com",
    "metadata.platformequinix.com",
    "kubernetes.default.svc",
];

/// Suffixes of names that only mean something on a local network: RFC 6761
/// special-use names, RFC 6762's private-use suggestions, ICANN's
/// `.internal`, and cluster DNS.
const LOCAL_SUFFIXES: [&str; 14] = [
    "localhost",
    "local",
    "internal",
    "home.arpa",
    "localdomain",
    "lan",
    "intranet",
    "corp",
    "home",
    "private",
    "svc",
    "invalid",
    "test",
    "onion",
];

/// Why `host` (a name, not an address literal) is refused on its face, if it
/// is and the operator did not exempt it: the same rule for the URL a job
/// was created with and for every redirect the fetcher is sent to.
pub fn refused_name(host: &str, rules: &AddressRules) -> Option<&'static str> {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if name.starts_with('[') || name.parse::<IpAddr>().is_ok() || rules.host_allowed(&name) {
        return None;
    }
    forbidden_name(&name)
}

/// Why a host name is refused on its face, if it is.
fn forbidden_name(name: &str) -> Option<&'static str> {
    if !name.contains('.') {
        // Dotless names resolve through search domains to local hosts
        // (`metadata`, `instance-data`, a machine's own name).
        return Some("has a single-label host name");
    }
    if METADATA_NAMES.contains(&name) {
        return Some("points at a cloud metadata service");
    }
    let local = LOCAL_SUFFIXES.iter().any(|suffix| {
        name.strip_suffix(suffix)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    });
    local.then_some("points at a local network name")
}

pub fn check_external(url: &str, param: &str, rules: &AddressRules) -> Result<(), ApiError> {
    if url.len() > 2048 {
        return Err(ApiError::invalid(
            param,
            format!("{param} is longer than 2048 characters"),
        ));
    }
    let refuse = |why: &str| Err(ApiError::invalid(param, format!("{param} {why}")));
    // The parser the fetcher uses: decimal, octal and hex IPv4 spellings
    // come out as the address they mean.
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return refuse("is not a valid URL");
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return refuse("must be an http(s) URL");
    }
    if param == "webhook_url" && parsed.scheme() != "https" && !rules.webhook_http {
        return refuse(
            "must be an https URL (the operator can allow http with VIDMATTE_WEBHOOK_ALLOW_HTTP)",
        );
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return refuse("must not contain credentials");
    }
    let exempt = "(the operator can exempt a host with VIDMATTE_URL_ALLOWLIST)";
    match parsed.host() {
        None => refuse("has no host"),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if rules.host_allowed(&name) {
                return Ok(());
            }
            match forbidden_name(&name) {
                Some(why) => refuse(&format!("{why} {exempt}")),
                None => Ok(()),
            }
        }
        Some(Host::Ipv4(ip)) => literal(IpAddr::V4(ip), rules).or_else(|_| {
            refuse(&format!(
                "points at a private or special-purpose address {exempt}"
            ))
        }),
        Some(Host::Ipv6(ip)) => literal(IpAddr::V6(ip), rules).or_else(|_| {
            refuse(&format!(
                "points at a private or special-purpose address {exempt}"
            ))
        }),
    }
}

fn literal(ip: IpAddr, rules: &AddressRules) -> Result<(), ()> {
    if rules.ip_allowed(ip) || !is_forbidden(ip) {
        Ok(())
    } else {
        Err(())
    }
}

/// True for any address a server-side request must not reach: private,
/// local, and every block of the IANA IPv4 and IPv6 special-purpose address
/// registries that is not globally reachable (plus some that are but are
/// never a video host: benchmarking, documentation, the 2001::/23 protocol
/// assignments); IPv6 forms that carry an IPv4 address are judged by it.
pub fn is_forbidden(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    special_purpose().iter().any(|net| net.contains(&ip))
}

fn special_purpose() -> &'static [IpNet] {
    static NETS: std::sync::OnceLock<Vec<IpNet>> = std::sync::OnceLock::new();
    NETS.get_or_init(|| {
        [
            "0.0.0.0/8",       // "this network"
            "10.0.0.0/8",      // private
            "100.64.0.0/10",   // shared address space (CGNAT)
            "127.0.0.0/8",     // loopback
            "169.254.0.0/16",  // link local (cloud metadata)
            "172.16.0.0/12",   // private
            "192.0.0.0/24",    // IETF protocol assignments
            "192.0.2.0/24",    // documentation (TEST-NET-1)
            "192.88.99.0/24",  // 6to4 relay anycast (deprecated)
            "192.168.0.0/16",  // private
            "198.18.0.0/15",   // benchmarking
            "198.51.100.0/24", // documentation (TEST-NET-2)
            "203.0.113.0/24",  // documentation (TEST-NET-3)
            "224.0.0.0/4",     // multicast
            "240.0.0.0/4",     // reserved, and the limited broadcast address
            "::/127",          // unspecified and loopback
            "64:ff9b:1::/48",  // local-use IPv4/IPv6 translation
            "100::/63",        // discard-only and the dummy prefix
            "2001::/23",       // IETF protocol assignments (Teredo, benchmarking, ORCHID…)
            "2001:db8::/32",   // documentation
            "3fff::/20",       // documentation
            "5f00::/16",       // segment routing SIDs
            "fc00::/7",        // unique local
            "fe80::/10",       // link local
            "fec0::/10",       // site local (deprecated)
            "ff00::/8",        // multicast
        ]
        .iter()
        .map(|net| net.parse().expect("a valid CIDR"))
        .collect()
    })
}

/// The IPv4 address an IPv6 one carries: mapped (::ffff:a.b.c.d),
/// compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:AABB:CCDD::).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if (s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified())
        || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        Some(low)
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    }
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
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.1/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:c0a8:0101::1]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://0.0.0.0/",
            "http://224.0.0.1/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://LOCALHOST./",
            "not a url",
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
    fn special_purpose_blocks_are_forbidden_and_public_addresses_are_not() {
        for ip in [
            "192.0.0.192",
            "192.0.0.9",
            "192.0.2.1",
            "192.88.99.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "240.0.0.1",
            "255.255.255.255",
            "100.127.255.255",
            "2001:db8::1",
            "100::1",
            "100:0:0:1::1",
            "2001::1",
            "2001:2::1",
            "2001:20::1",
            "2001:1ff::1",
            "3fff::1",
            "5f00::1",
            "64:ff9b:1::a",
            "fc00::1",
            "fdff::1",
            "ff02::1",
            "ff0e::1",
            "2002:c000:0201::1",
            "2002:7f00:1::",
            "::ffff:198.18.0.1",
            "64:ff9b::c000:2ff",
            "::",
            "::1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "192.0.1.1",
            "198.20.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "2001:200::1",
            "2002:0808:0808::1",
            "64:ff9b::808:808",
        ] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn local_and_metadata_names_are_refused_unless_allowlisted() {
        let rules = AddressRules::default();
        for host in [
            "metadata.goog",
            "metadata",
            "instance-data",
            "instance-data.ec2.internal",
            "metadata.google.internal",
            "vm",
            "router.home.arpa",
            "printer.local",
            "db.internal",
            "app.localhost",
            "kubernetes.default.svc",
            "localhost.localdomain",
            "Metadata.Goog.",
        ] {
            let url = format!("http://{host}/a.mp4");
            let refused = check_external(&url, "video_url", &rules).unwrap_err();
            assert_eq!(refused.param.as_deref(), Some("video_url"), "{host}");
        }
        for host in [
            "example.com",
            "cdn.internal-videos.com",
            "local.example.org",
        ] {
            let url = format!("https://{host}/a.mp4");
            assert!(check_external(&url, "video_url", &rules).is_ok(), "{host}");
        }
        let rules = AddressRules::from_allowlist(&["media".into(), "nas.local".into()]);
        assert!(check_external("http://media/a.mp4", "video_url", &rules).is_ok());
        assert!(check_external("http://nas.local/a.mp4", "video_url", &rules).is_ok());
    }

    #[test]
    fn webhooks_need_https_unless_the_operator_allows_http() {
        let rules = AddressRules::default();
        assert!(check_external("http://example.com/hook", "webhook_url", &rules).is_err());
        assert!(check_external("https://example.com/hook", "webhook_url", &rules).is_ok());
        let rules = rules.with_webhook_http(true);
        assert!(check_external("http://example.com/hook", "webhook_url", &rules).is_ok());
        assert!(check_external("http://10.0.0.1/hook", "webhook_url", &rules).is_err());
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
