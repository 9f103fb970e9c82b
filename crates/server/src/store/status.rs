//! The states a job moves through, as enums: `JobStatus` (what is stored,
//! and what the list filter takes), `Stage` (where in the pipeline a
//! processing job is) and `BillingStatus` (where its credits are). Stored
//! as their lowercase names in a text column on every backend. The job
//! object reports a canceled job as `failed` (see [`JobStatus::reported`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

/// Defines a text-stored enum: `as_str`, `FromStr`, `Display`, serde and
/// the sqlx traits for any backend whose strings they delegate to.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownState;
            fn from_str(text: &str) -> Result<Self, UnknownState> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(UnknownState(format!(
                        "{other:?} is not a {}", stringify!($name)
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: Database> Type<DB> for $name
        where
            String: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $name
        where
            String: Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<String as Decode<'r, DB>>::decode(value)?.parse()?)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $name
        where
            &'q str: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut DB::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                let text: &'q str = self.as_str();
                <&'q str as Encode<'q, DB>>::encode_by_ref(&text, buf)
            }
        }
    };
}

/// A stored value that names no known state.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnknownState(String);

text_enum! {
    /// A job's status, as the contract names it.
    JobStatus {
        /// A draft: saved, not started.
        Created = "created",
        /// Queued or running.
        Processing = "processing",
        Completed = "completed",
        Failed = "failed",
        Canceled = "canceled",
    }
}

text_enum! {
    /// Where a job is: a draft, waiting, or a pipeline stage.
    Stage {
        Draft = "draft",
        Queued = "queued",
        Fetching = "fetching",
        Probing = "probing",
        Segmenting = "segmenting",
        Encoding = "encoding",
        Storing = "storing",
        Done = "done",
        /// Reported for canceled jobs, whatever stage they were in.
        Canceled = "canceled",
    }
}

text_enum! {
    /// Where a job's credits are: each moves only forward, once.
    BillingStatus {
        /// Nothing reserved yet (drafts, external URLs before the probe).
        None = "none",
        Reserved = "reserved",
        Charged = "charged",
        Released = "released",
    }
}

impl JobStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Canceled
        )
    }

    /// The status a job object shows. The vendor's SDKs wait for
    /// `completed` or `failed` only, so a canceled job reads `failed` (with
    /// `error_code: canceled` and `stage: canceled` saying why); the store
    /// and the list filter keep `canceled` apart from real failures.
    pub fn reported(self) -> JobStatus {
        match self {
            JobStatus::Canceled => JobStatus::Failed,
            other => other,
        }
    }

    /// The stage a job object shows: `canceled` for a canceled job, else
    /// where it is (or was when it failed).
    pub fn reported_stage(self, stage: Stage) -> Stage {
        match self {
            JobStatus::Canceled => Stage::Canceled,
            _ => stage,
        }
    }

    /// The webhook event a terminal status announces: a cancel is
    /// `job.failed` (its body says `error_code: canceled`), for the same
    /// SDKs as [`JobStatus::reported`].
    pub fn event(self) -> &'static str {
        match self.reported() {
            JobStatus::Completed => "job.completed",
            _ => "job.failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in JobStatus::ALL {
            assert_eq!(status.as_str().parse::<JobStatus>().unwrap(), *status);
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
        for stage in Stage::ALL {
            assert_eq!(stage.as_str().parse::<Stage>().unwrap(), *stage);
        }
        assert!("running".parse::<JobStatus>().is_err());
    }

    #[test]
    fn a_cancel_reads_as_a_failure_with_a_truthful_stage() {
        assert_eq!(JobStatus::Canceled.reported(), JobStatus::Failed);
        assert_eq!(JobStatus::Canceled.event(), "job.failed");
        assert_eq!(
            JobStatus::Canceled.reported_stage(Stage::Segmenting),
            Stage::Canceled
        );
        for status in [
            JobStatus::Created,
            JobStatus::Processing,
            JobStatus::Completed,
            JobStatus::Failed,
        ] {
            assert_eq!(status.reported(), status);
            assert_eq!(status.reported_stage(Stage::Queued), Stage::Queued);
        }
        assert_eq!(JobStatus::Completed.event(), "job.completed");
        assert_eq!(JobStatus::Failed.event(), "job.failed");
    }
}
