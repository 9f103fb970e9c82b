//! The `pro` model's text prompt: what to keep, read into things the models
//! can actually find. People words select RobustVideoMatting's people; other
//! known nouns select ISNet's salient object; left/right/centre/largest pick
//! among separate subjects; comma-separated subjects are all kept. Words it
//! cannot act on come back as warnings.

use serde::Serialize;

/// What one part of a prompt asks to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Subject {
    /// People (RobustVideoMatting).
    People,
    /// The salient non-person object (ISNet minus people).
    Object,
    /// Whatever the fused matte finds (people and salient objects).
    Any,
}

/// Which of several separate subjects to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Placement {
    All,
    Left,
    Right,
    Centre,
    Largest,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    pub subject: Subject,
    pub placement: Placement,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prompt {
    pub targets: Vec<Target>,
    pub warnings: Vec<String>,
}

const PEOPLE: &[&str] = &[
    "person",
    "people",
    "persons",
    "human",
    "humans",
    "man",
    "men",
    "woman",
    "women",
    "boy",
    "boys",
    "girl",
    "girls",
    "child",
    "children",
    "kid",
    "kids",
    "baby",
    "babies",
    "guy",
    "guys",
    "lady",
    "ladies",
    "face",
    "faces",
    "speaker",
    "presenter",
    "host",
    "me",
    "myself",
    "someone",
    "somebody",
    "player",
    "players",
    "dancer",
    "dancers",
    "actor",
    "actress",
    "singer",
    "body",
    "hair",
    "portrait",
    "selfie",
    "crowd",
    "pedestrian",
    "pedestrians",
    "cyclist",
    "cyclists",
    "rider",
    "driver",
    "teacher",
    "student",
    "model",
    "athlete",
];

/// Things ISNet's salient-object matte can stand for (COCO classes and
/// common product/animal words).
const OBJECTS: &[&str] = &[
    "object",
    "objects",
    "thing",
    "things",
    "subject",
    "product",
    "products",
    "item",
    "items",
    "foreground",
    "animal",
    "animals",
    "pet",
    "pets",
    "dog",
    "dogs",
    "cat",
    "cats",
    "bird",
    "birds",
    "horse",
    "horses",
    "sheep",
    "cow",
    "cows",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "car",
    "cars",
    "bicycle",
    "bicycles",
    "bike",
    "bikes",
    "motorcycle",
    "motorbike",
    "airplane",
    "plane",
    "bus",
    "train",
    "truck",
    "boat",
    "vehicle",
    "vehicles",
    "bottle",
    "cup",
    "mug",
    "glass",
    "wine",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "pizza",
    "donut",
    "cake",
    "food",
    "drink",
    "chair",
    "couch",
    "sofa",
    "plant",
    "flower",
    "flowers",
    "bed",
    "table",
    "toilet",
    "tv",
    "laptop",
    "computer",
    "mouse",
    "remote",
    "keyboard",
    "phone",
    "cellphone",
    "smartphone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "fridge",
    "book",
    "books",
    "clock",
    "vase",
    "scissors",
    "teddy",
    "toy",
    "toys",
    "hairdrier",
    "toothbrush",
    "umbrella",
    "handbag",
    "bag",
    "bags",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "ball",
    "kite",
    "bat",
    "glove",
    "skateboard",
    "surfboard",
    "racket",
    "shoe",
    "shoes",
    "sneaker",
    "sneakers",
    "hat",
    "watch",
    "logo",
    "box",
    "package",
    "camera",
    "guitar",
    "instrument",
    "robot",
    "statue",
    "sculpture",
    "furniture",
    "lamp",
    "bunny",
    "rabbit",
    "character",
    "mascot",
];

const LEFT: &[&str] = &["left", "leftmost"];
const RIGHT: &[&str] = &["right", "rightmost"];
const CENTRE: &[&str] = &[
    "centre", "center", "middle", "central", "centered", "centred",
];
const LARGEST: &[&str] = &[
    "largest", "biggest", "main", "big", "large", "closest", "nearest", "primary",
];

/// Words that carry no instruction of their own.
const FILLER: &[&str] = &[
    "a",
    "an",
    "the",
    "on",
    "in",
    "at",
    "of",
    "to",
    "only",
    "just",
    "keep",
    "show",
    "the",
    "one",
    "ones",
    "side",
    "all",
    "every",
    "each",
    "please",
    "with",
    "and",
    "or",
    "my",
    "this",
    "that",
    "these",
    "those",
    "from",
    "who",
    "is",
    "are",
    "remove",
    "background",
    "except",
    "but",
    "most",
    "standing",
    "sitting",
    "s",
];

impl Prompt {
    pub fn parse(text: &str) -> Prompt {
        let mut targets = Vec::new();
        let mut warnings = Vec::new();
        for part in text
            .split([',', ';', '+', '&', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let mut people = false;
            let mut object = false;
            let mut placement = None;
            let mut ignored = Vec::new();
            for word in part
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                let word = word.to_lowercase();
                let w = word.as_str();
                let place = if LEFT.contains(&w) {
                    Some(Placement::Left)
                } else if RIGHT.contains(&w) {
                    Some(Placement::Right)
                } else if CENTRE.contains(&w) {
                    Some(Placement::Centre)
                } else if LARGEST.contains(&w) {
                    Some(Placement::Largest)
                } else {
                    None
                };
                if let Some(place) = place {
                    match placement {
                        Some(existing) if existing != place => warnings.push(format!(
                            "\"{part}\": both {existing:?} and {place:?} asked for; keeping {existing:?}"
                        )),
                        _ => placement = Some(place),
                    }
                } else if PEOPLE.contains(&w) {
                    people = true;
                } else if OBJECTS.contains(&w) {
                    object = true;
                } else if !FILLER.contains(&w) {
                    ignored.push(word);
                }
            }
            if !ignored.is_empty() {
                warnings.push(format!(
                    "\"{part}\": could not act on {}; only people, salient objects and left/right/centre/largest are understood",
                    ignored.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
                ));
            }
            let subject = match (people, object) {
                (true, false) => Subject::People,
                (false, true) => Subject::Object,
                (true, true) => Subject::Any,
                (false, false) if placement.is_some() => Subject::Any,
                (false, false) => continue,
            };
            targets.push(Target {
                subject,
                placement: placement.unwrap_or(Placement::All),
            });
        }
        if targets.is_empty() {
            warnings.push(
                "nothing in the prompt could be acted on; keeping every subject found".into(),
            );
            targets.push(Target {
                subject: Subject::Any,
                placement: Placement::All,
            });
        }
        Prompt { targets, warnings }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(subject: Subject, placement: Placement) -> Target {
        Target { subject, placement }
    }

    #[test]
    fn people_words_keep_people() {
        let p = Prompt::parse("the woman");
        assert_eq!(p.targets, vec![target(Subject::People, Placement::All)]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn other_nouns_keep_the_salient_object() {
        let p = Prompt::parse("Dogs");
        assert_eq!(p.targets, vec![target(Subject::Object, Placement::All)]);
    }

    #[test]
    fn placements_and_lists() {
        let p = Prompt::parse("person on the left, the car");
        assert_eq!(
            p.targets,
            vec![
                target(Subject::People, Placement::Left),
                target(Subject::Object, Placement::All)
            ]
        );
        let p = Prompt::parse("largest");
        assert_eq!(p.targets, vec![target(Subject::Any, Placement::Largest)]);
    }

    #[test]
    fn unknown_words_are_warned_about_never_dropped_silently() {
        let p = Prompt::parse("the red car");
        assert_eq!(p.targets, vec![target(Subject::Object, Placement::All)]);
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("\"red\""), "{:?}", p.warnings);

        let p = Prompt::parse("xyzzy");
        assert_eq!(p.targets, vec![target(Subject::Any, Placement::All)]);
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    }

    #[test]
    fn conflicting_placements_warn() {
        let p = Prompt::parse("left right man");
        assert_eq!(p.targets, vec![target(Subject::People, Placement::Left)]);
        assert_eq!(p.warnings.len(), 1);
    }
}
