//! Checks an external URL on its face (scheme, credentials, literal
//! forbidden addresses); resolution-time rules belong to the fetcher.

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
    let private = "points at a private or local address (the operator can exempt a host with VIDMATTE_URL_ALLOWLIST)";
    match parsed.host() {
        None => refuse("has no host"),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if rules.host_allowed(&name) {
                Ok(())
            } else if name == "localhost"
                || name.ends_with(".localhost")
                || name == "metadata.google.internal"
                || name == "metadata"
            {
                refuse(private)
            } else {
                Ok(())
            }
        }
        Some(Host::Ipv4(ip)) => literal(IpAddr::V4(ip), rules).or_else(|_| refuse(private)),
        Some(Host::Ipv6(ip)) => literal(IpAddr::V6(ip), rules).or_else(|_| refuse(private)),
    }
}

fn literal(ip: IpAddr, rules: &AddressRules) -> Result<(), ()> {
    if rules.ip_allowed(ip) || !is_forbidden(ip) {
        Ok(())
    } else {
        Err(())
    }
}

pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
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
        || (first & 0xffc0) == 0xfec0 // site local (deprecated)
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
