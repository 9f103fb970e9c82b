//! The states a job moves through, as enums: `JobStatus` (what the contract
//! reports), `Stage` (where in the pipeline a processing job is) and
//! `BillingStatus` (where its credits are). Stored
//! as their lowercase names in a text column on every backend.

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

    /// The webhook event a terminal status announces.
    pub fn event(self) -> &'static str {
        match self {
            JobStatus::Completed => "job.completed",
            JobStatus::Canceled => "job.canceled",
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
}
