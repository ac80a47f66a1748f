//! The flow as a directed graph over node indices: cycles and reachability, iteratively
//! (an explicit stack, never recursion), in time linear in nodes plus edges.

use super::problem::Ptr;

/// Edges added in source order (the validator walks nodes in order), then frozen into
/// compressed rows by [`Graph::finish`].
pub struct Graph<'a> {
    nodes: usize,
    sources: Vec<u32>,
    targets: Vec<u32>,
    /// Where each edge is written, for the row that reports a cycle closed by it.
    places: Vec<Ptr<'a>>,
    /// The outcome each edge is taken on (`None` for a start node's `outcome`).
    outcomes: Vec<Option<&'a str>>,
}

/// A graph ready for traversal: `first_edge[v]..first_edge[v + 1]` are `v`'s edges.
pub struct FrozenGraph<'a> {
    first_edge: Vec<u32>,
    sources: Vec<u32>,
    targets: Vec<u32>,
    places: Vec<Ptr<'a>>,
    outcomes: Vec<Option<&'a str>>,
}

impl<'a> Graph<'a> {
    pub fn new(nodes: usize) -> Self {
        Graph { nodes, sources: Vec::new(), targets: Vec::new(), places: Vec::new(), outcomes: Vec::new() }
    }

    /// Adds `source → target`, taken on `outcome`. Sources must come in non-decreasing order.
    pub fn add_edge(&mut self, source: usize, target: usize, at: Ptr<'a>, outcome: Option<&'a str>) {
        debug_assert!(self.sources.last().is_none_or(|&s| s as usize <= source));
        self.sources.push(source as u32);
        self.targets.push(target as u32);
        self.places.push(at);
        self.outcomes.push(outcome);
    }

    pub fn finish(self) -> FrozenGraph<'a> {
        let mut first_edge = vec![0u32; self.nodes + 1];
        for &s in &self.sources {
            first_edge[s as usize + 1] += 1;
        }
        for v in 0..self.nodes {
            first_edge[v + 1] += first_edge[v];
        }
        FrozenGraph {
            first_edge,
            sources: self.sources,
            targets: self.targets,
            places: self.places,
            outcomes: self.outcomes,
        }
    }
}

const UNSEEN: u8 = 0;
const ON_STACK: u8 = 1;
const DONE: u8 = 2;

impl<'a> FrozenGraph<'a> {
    pub fn node_count(&self) -> usize {
        self.first_edge.len() - 1
    }

    /// `v`'s edges, as edge numbers in document order.
    pub fn out_edges(&self, v: usize) -> std::ops::Range<usize> {
        self.first_edge[v] as usize..self.first_edge[v + 1] as usize
    }

    pub fn source(&self, e: usize) -> usize {
        self.sources[e] as usize
    }

    pub fn target(&self, e: usize) -> usize {
        self.targets[e] as usize
    }

    /// Where edge `e` is written in the flow.
    pub fn place(&self, e: usize) -> Ptr<'a> {
        self.places[e]
    }

    pub fn outcome(&self, e: usize) -> Option<&'a str> {
        self.outcomes[e]
    }

    /// Every edge as (source, target), in document order.
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.sources.iter().zip(&self.targets).map(|(&s, &t)| (s as usize, t as usize))
    }

    /// The nodes reachable from `start` in topological order (every edge's source before its
    /// target), by Kahn's algorithm over that part of the graph; `None` when it has a cycle.
    pub fn topological_from(&self, start: usize) -> Option<Vec<usize>> {
        let reached = self.reachable_from(start);
        let mut waiting = vec![0u32; self.node_count()];
        for (s, t) in self.edges() {
            if reached[s] {
                waiting[t] += 1;
            }
        }
        let mut order = Vec::new();
        if waiting[start] == 0 {
            order.push(start);
        }
        let mut head = 0;
        while head < order.len() {
            let v = order[head];
            head += 1;
            for e in self.out_edges(v) {
                let w = self.target(e);
                waiting[w] -= 1;
                if waiting[w] == 0 {
                    order.push(w);
                }
            }
        }
        let all = reached.iter().filter(|&&r| r).count();
        (order.len() == all).then_some(order)
    }

    /// Depth-first search from `first` (the start node), then from every other node in
    /// document order. Each edge that closes a cycle (it leads back to a node still on the
    /// DFS path) yields one cycle: the path from that node to the edge's source. `found` gets
    /// the edge's source, its place, and the cycle's node indices in order.
    pub fn for_each_cycle(&self, first: Option<usize>, mut found: impl FnMut(usize, Ptr<'a>, &[usize])) {
        let n = self.first_edge.len() - 1;
        let mut state = vec![UNSEEN; n];
        let mut depth_of = vec![0u32; n];
        // (node, next edge to follow)
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        let roots = first.into_iter().chain(0..n);
        for root in roots {
            if state[root] != UNSEEN {
                continue;
            }
            state[root] = ON_STACK;
            depth_of[root] = 0;
            stack.push((root, self.first_edge[root] as usize));
            path.push(root);
            while let Some(top) = stack.last_mut() {
                let (v, next) = *top;
                if next < self.out_edges(v).end {
                    top.1 += 1;
                    let w = self.targets[next] as usize;
                    match state[w] {
                        UNSEEN => {
                            state[w] = ON_STACK;
                            depth_of[w] = path.len() as u32;
                            stack.push((w, self.first_edge[w] as usize));
                            path.push(w);
                        }
                        ON_STACK => found(v, self.places[next], &path[depth_of[w] as usize..]),
                        _ => {}
                    }
                } else {
                    state[v] = DONE;
                    stack.pop();
                    path.pop();
                }
            }
        }
    }

    /// Which nodes some path from `start` reaches (breadth-first).
    pub fn reachable_from(&self, start: usize) -> Vec<bool> {
        self.breadth_first([start], |_| true).seen
    }

    /// Breadth-first from `seeds`, along the edges `follow` accepts (by edge number): which
    /// nodes are reached, and a shortest way back to a seed from each.
    pub fn breadth_first(
        &self,
        seeds: impl IntoIterator<Item = usize>,
        follow: impl Fn(usize) -> bool,
    ) -> Reach {
        let n = self.node_count();
        let mut reach = Reach { seen: vec![false; n], parent: vec![Reach::SEED; n] };
        let mut queue = Vec::new();
        for seed in seeds {
            if !reach.seen[seed] {
                reach.seen[seed] = true;
                queue.push(seed);
            }
        }
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head];
            head += 1;
            for e in self.out_edges(v) {
                let w = self.target(e);
                if !reach.seen[w] && follow(e) {
                    reach.seen[w] = true;
                    reach.parent[w] = v as u32;
                    queue.push(w);
                }
            }
        }
        reach
    }
}

/// What [`FrozenGraph::breadth_first`] reached.
pub struct Reach {
    pub seen: Vec<bool>,
    /// The node before each reached one on a shortest way from a seed; [`Reach::SEED`] for the
    /// seeds (and the nodes not reached).
    pub parent: Vec<u32>,
}

impl Reach {
    pub const SEED: u32 = u32::MAX;

    /// The shortest way found from a seed to `v`, seed first.
    pub fn way_to(&self, v: usize) -> Vec<usize> {
        let mut way = vec![v];
        let mut at = v;
        while self.parent[at] != Reach::SEED {
            at = self.parent[at] as usize;
            way.push(at);
        }
        way.reverse();
        way
    }
}
