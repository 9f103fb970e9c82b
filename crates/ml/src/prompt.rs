//! The `pro` model's text prompt, read into things the models can find:
//! people and the 80 COCO classes (with plurals, synonyms and group words
//! such as "animals"), colour words, placements (left/right/centre/largest)
//! and, for nouns no class covers ("product", "logo"), the salient object.
//! Comma-separated parts are all kept. Words it cannot act on come back as
//! warnings.

use serde::Serialize;

use crate::vocab::{CENTRE, FILLER, GROUPS, LARGEST, LEFT, PEOPLE, RIGHT, SALIENT, SYNONYMS};
use crate::{CocoClass, Colour};

/// What one part of a prompt asks to keep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Subject {
    /// Detected instances of these classes (people: RVM, others: ISNet).
    Classes(Vec<CocoClass>),
    /// ISNet's salient object outside any person.
    Salient,
    /// Everything found: detected instances, people and salient objects.
    Any,
}

/// Which of several instances to keep.
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
    /// The part of the prompt, as written (for warnings).
    pub text: String,
    pub subject: Subject,
    pub placement: Placement,
    pub colour: Option<Colour>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prompt {
    pub targets: Vec<Target>,
    pub warnings: Vec<String>,
}

fn classes_of<'a>(names: &'a [&'a str]) -> impl Iterator<Item = CocoClass> + 'a {
    names.iter().filter_map(|n| CocoClass::named(n))
}

/// The classes a word names, trying it as written, then without a plural
/// ending.
fn word_classes(word: &str) -> Vec<CocoClass> {
    let mut forms = vec![word.to_string()];
    if let Some(stem) = word.strip_suffix("es") {
        forms.push(stem.to_string());
    }
    if let Some(stem) = word.strip_suffix('s') {
        forms.push(stem.to_string());
    }
    if let Some(stem) = word.strip_suffix("ies") {
        forms.push(format!("{stem}y"));
    }
    for form in &forms {
        let f = form.as_str();
        if PEOPLE.contains(&f) {
            return vec![CocoClass::PERSON];
        }
        if let Some(class) = CocoClass::named(f) {
            return vec![class];
        }
        if let Some((_, names)) = SYNONYMS.iter().chain(GROUPS).find(|(w, _)| *w == f) {
            return classes_of(names).collect();
        }
    }
    Vec::new()
}

fn placement_of(word: &str) -> Option<Placement> {
    if LEFT.contains(&word) {
        Some(Placement::Left)
    } else if RIGHT.contains(&word) {
        Some(Placement::Right)
    } else if CENTRE.contains(&word) {
        Some(Placement::Centre)
    } else if LARGEST.contains(&word) {
        Some(Placement::Largest)
    } else {
        None
    }
}

impl Prompt {
    pub fn parse(text: &str) -> Prompt {
        let mut targets = Vec::new();
        let mut warnings = Vec::new();
        for part in text
            .split([',', ';', '+', '&', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if let Some(target) = parse_part(part, &mut warnings) {
                targets.push(target);
            }
        }
        if targets.is_empty() {
            warnings.push(
                "nothing in the prompt could be acted on; keeping every subject found".into(),
            );
            targets.push(Target {
                text: text.trim().to_string(),
                subject: Subject::Any,
                placement: Placement::All,
                colour: None,
            });
        }
        Prompt { targets, warnings }
    }

    /// True when only people are asked for.
    pub fn only_people(&self) -> bool {
        self.targets
            .iter()
            .all(|t| t.subject == Subject::Classes(vec![CocoClass::PERSON]) && t.colour.is_none())
    }
}

fn parse_part(part: &str, warnings: &mut Vec<String>) -> Option<Target> {
    let words: Vec<String> = part
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut classes: Vec<CocoClass> = Vec::new();
    let mut salient = false;
    let mut placement = None;
    let mut colour = None;
    let mut ignored = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // Two-word class names first ("teddy bear", "traffic light").
        let pair = words.get(i + 1).and_then(|next| {
            [next.as_str(), next.trim_end_matches('s')]
                .iter()
                .find_map(|n| CocoClass::named(&format!("{} {n}", words[i])))
        });
        if let Some(class) = pair {
            classes.push(class);
            i += 2;
            continue;
        }
        let w = words[i].as_str();
        i += 1;
        if let Some(place) = placement_of(w) {
            match placement {
                Some(existing) if existing != place => warnings.push(format!(
                    "\"{part}\": both {existing:?} and {place:?} asked for; keeping {existing:?}"
                )),
                _ => placement = Some(place),
            }
            continue;
        }
        // "orange" is a colour before another noun, else the fruit.
        let named = word_classes(w);
        let is_colour = Colour::from_word(w).is_some()
            && (named.is_empty() || words[i..].iter().any(|n| !word_classes(n).is_empty()));
        if is_colour {
            colour = Colour::from_word(w);
        } else if !named.is_empty() {
            classes.extend(named);
        } else if SALIENT.contains(&w) || SALIENT.contains(&w.trim_end_matches('s')) {
            salient = true;
        } else if !FILLER.contains(&w) {
            ignored.push(w.to_string());
        }
    }
    if !ignored.is_empty() {
        warnings.push(format!(
            "\"{part}\": could not act on {}; people, the 80 COCO object classes, colours, salient objects and left/right/centre/largest are understood",
            ignored.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
        ));
    }
    classes.sort();
    classes.dedup();
    let subject = match (classes.is_empty(), salient) {
        (false, false) => Subject::Classes(classes),
        (true, true) => Subject::Salient,
        (false, true) => Subject::Any,
        (true, false) if placement.is_some() || colour.is_some() => Subject::Any,
        (true, false) => return None,
    };
    Some(Target {
        text: part.to_string(),
        subject,
        placement: placement.unwrap_or(Placement::All),
        colour,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str) -> CocoClass {
        CocoClass::named(name).unwrap()
    }

    fn one(text: &str) -> Target {
        let p = Prompt::parse(text);
        assert_eq!(p.targets.len(), 1, "{p:?}");
        p.targets[0].clone()
    }

    #[test]
    fn people_words_keep_people() {
        let p = Prompt::parse("the woman");
        assert!(p.only_people());
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn nouns_become_their_coco_classes() {
        assert_eq!(one("Dogs").subject, Subject::Classes(vec![class("dog")]));
        assert_eq!(one("a puppy").subject, Subject::Classes(vec![class("dog")]));
        assert_eq!(one("buses").subject, Subject::Classes(vec![class("bus")]));
        assert_eq!(
            one("the van").subject,
            Subject::Classes(vec![class("car"), class("truck")])
        );
        assert_eq!(one("sofa").subject, Subject::Classes(vec![class("couch")]));
        assert_eq!(
            one("teddy bear").subject,
            Subject::Classes(vec![class("teddy bear")])
        );
        assert_eq!(one("the product").subject, Subject::Salient);
    }

    #[test]
    fn placements_colours_and_lists() {
        let p = Prompt::parse("person on the left, the red car");
        assert_eq!(p.targets.len(), 2);
        assert_eq!(p.targets[0].placement, Placement::Left);
        assert_eq!(p.targets[1].subject, Subject::Classes(vec![class("car")]));
        assert_eq!(p.targets[1].colour, Some(Colour::Red));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(one("largest").subject, Subject::Any);
        assert_eq!(
            one("an orange").subject,
            Subject::Classes(vec![class("orange")])
        );
        assert_eq!(one("orange cat").colour, Some(Colour::Orange));
    }

    #[test]
    fn unknown_words_are_warned_about_never_dropped_silently() {
        let p = Prompt::parse("the shiny car");
        assert_eq!(p.targets[0].subject, Subject::Classes(vec![class("car")]));
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("\"shiny\""), "{:?}", p.warnings);

        let p = Prompt::parse("xyzzy");
        assert_eq!(p.targets[0].subject, Subject::Any);
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    }

    #[test]
    fn conflicting_placements_warn() {
        let t = Prompt::parse("left right man");
        assert_eq!(t.targets[0].placement, Placement::Left);
        assert_eq!(t.warnings.len(), 1);
    }
}
