//! Walking the whole tree in pre-order with full paths. The path is built
//! in one reused buffer (as `DataTree.serializeNode` reuses a
//! `StringBuilder`), so a walk over a million nodes allocates per level of
//! depth, not per node.

use super::children::ChildRange;
use super::{DataTree, NodeRef};

impl DataTree {
    /// Calls `f` once for every node with its full path — the root as `""`,
    /// as snapshots and digests name it — parents before children and
    /// children in name order.
    pub fn visit(&self, f: impl FnMut(&str, NodeRef<'_>)) {
        self.visit_subtree("", f);
    }

    /// [`Self::visit`] for the node at `top` and its descendants only
    /// (nothing if there is no such node; `/` is the root, named `""`).
    pub fn visit_subtree(&self, top: &str, mut f: impl FnMut(&str, NodeRef<'_>)) {
        let Some(top_node) = self.find(top).and_then(|id| self.nodes.get(id)) else {
            return;
        };
        let mut path = String::from(if top == "/" { "" } else { top });
        f(
            &path,
            NodeRef {
                tree: self,
                node: top_node,
            },
        );
        // Each level: the iterator over its children and the length of its
        // own path in `path`.
        let mut stack: Vec<(ChildRange<'_>, usize)> = vec![(top_node.children.iter(), path.len())];
        while let Some((children, base)) = stack.last_mut() {
            let base = *base;
            let Some((name, &id)) = children.next() else {
                stack.pop();
                continue;
            };
            path.truncate(base);
            path.push('/');
            path.push_str(name);
            if let Some(node) = self.nodes.get(id) {
                f(&path, NodeRef { tree: self, node });
                stack.push((node.children.iter(), path.len()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use rzk_proto::data::Acl;

    use super::*;

    #[test]
    fn visits_pre_order_with_full_paths() {
        let mut t = DataTree::default();
        for (i, p) in ["/b", "/a", "/a/y", "/a/x", "/a/x/1"].iter().enumerate() {
            t.create_node(
                p,
                Some(Bytes::new()),
                &Acl::open_unsafe(),
                0,
                -1,
                i as i64 + 1,
                0,
            )
            .unwrap();
        }
        let mut seen = Vec::new();
        t.visit(|p, n| seen.push((p.to_owned(), n.num_children())));
        let paths: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "",
                "/a",
                "/a/x",
                "/a/x/1",
                "/a/y",
                "/b",
                "/zookeeper",
                "/zookeeper/config",
                "/zookeeper/quota"
            ]
        );
        assert_eq!(seen[0].1, 3, "the root's children");
        let mut sub = Vec::new();
        t.visit_subtree("/a/x", |p, _| sub.push(p.to_owned()));
        assert_eq!(sub, ["/a/x", "/a/x/1"]);
        let mut all = 0;
        t.visit_subtree("/", |_, _| all += 1);
        assert_eq!(all, seen.len());
        t.visit_subtree("/missing", |_, _| panic!("no such node"));
    }
}
