//! Reading a job's server-sent events (`GET /v1/jobs/{id}/events`).

use std::io::BufRead;

use serde_json::Value;

use super::Server;

/// Every `data:` of the job's server-sent events, until the stream ends.
pub fn job_events(server: &Server, id: &str) -> Vec<(String, Value)> {
    let response = server
        .client
        .get(server.url(&format!("/v1/jobs/{id}/events")))
        .header("X-Api-Key", &server.key)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let (mut events, mut name) = (Vec::new(), String::new());
    for line in std::io::BufReader::new(response).lines() {
        let line = line.unwrap();
        if let Some(event) = line.strip_prefix("event: ") {
            name = event.to_string();
        } else if let Some(data) = line.strip_prefix("data: ") {
            events.push((name.clone(), serde_json::from_str(data).unwrap()));
        }
    }
    events
}
