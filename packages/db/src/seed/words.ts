// Vocabulary for the demo data: names, tags and the phrases articles and comments are built from.

function words(list: string): string[] {
  return list.trim().split(/\s+/);
}

export const firstNames: readonly string[] = words(`
  aaliyah aarav abigail adam adele ahmed aisha akira alba alejandro alex alice amara amir
  ana andrea anika anna arjun astrid ben bianca bruno camille carlos carmen chen chloe chris
  clara daniel dara david diego elena eli elif emeka emil emma eva farah felix fatima finn
  gabriel grace hana hannah hugo ian ines ingrid isaac ivan jack jade james jin joao jonas
  julia kai kenji kofi lara laura leila leo lina lucas lucia luis maya mateo mei mia mohamed
  nadia naomi nia nico nina noah nora olga omar oscar paula pedro priya rafael ravi rosa
  ruth sam sara sofia tariq tom uma valentina victor wei yara yuki yusuf zara zoe zeynep
`);

export const lastNames: readonly string[] = words(`
  adams ahmed alvarez andersen bauer becker bianchi brown campbell chen costa cruz das
  dubois eriksson evans fernandez fischer garcia gomez gupta haddad hansen hernandez
  hoffmann ibrahim ito jansen jensen johnson kaya khan kim kowalski kumar lambert larsen lee
  lopez martin meyer moreau morris muller nakamura nguyen novak nowak obi okafor oliveira
  olsen park patel perez petrov popescu reyes ricci rivera rossi santos sato schmidt schulz
  silva singh smith sousa suzuki tanaka taylor thomas torres tran vargas virtanen wagner
  walker wang weber williams wilson wong wright yamamoto yilmaz young zhang zimmermann
`);

export interface TagInfo {
  /** Stored tag name: lowercase, as users type them. */
  name: string;
  /** How the topic reads in a sentence. */
  label: string;
  /** Language of code samples in articles on this topic, when it has one. */
  code?: CodeLanguage;
}

export type CodeLanguage = 'ts' | 'js' | 'sql' | 'python' | 'go' | 'rust' | 'bash' | 'yaml' | 'css';

/** Ordered from most to least popular: article tags are drawn with Zipf-like weights by rank. */
export const tagVocabulary: readonly TagInfo[] = [
  { name: 'javascript', label: 'JavaScript', code: 'js' },
  { name: 'programming', label: 'programming', code: 'ts' },
  { name: 'webdev', label: 'web development', code: 'ts' },
  { name: 'typescript', label: 'TypeScript', code: 'ts' },
  { name: 'career', label: 'career growth' },
  { name: 'react', label: 'React', code: 'ts' },
  { name: 'python', label: 'Python', code: 'python' },
  { name: 'productivity', label: 'productivity' },
  { name: 'devops', label: 'DevOps', code: 'yaml' },
  { name: 'postgres', label: 'PostgreSQL', code: 'sql' },
  { name: 'design', label: 'design' },
  { name: 'node', label: 'Node.js', code: 'js' },
  { name: 'beginners', label: 'learning to code', code: 'js' },
  { name: 'architecture', label: 'software architecture' },
  { name: 'testing', label: 'testing', code: 'ts' },
  { name: 'security', label: 'security', code: 'bash' },
  { name: 'css', label: 'CSS', code: 'css' },
  { name: 'go', label: 'Go', code: 'go' },
  { name: 'rust', label: 'Rust', code: 'rust' },
  { name: 'docker', label: 'Docker', code: 'bash' },
  { name: 'kubernetes', label: 'Kubernetes', code: 'yaml' },
  { name: 'aws', label: 'AWS', code: 'bash' },
  { name: 'databases', label: 'databases', code: 'sql' },
  { name: 'performance', label: 'performance', code: 'ts' },
  { name: 'opensource', label: 'open source' },
  { name: 'api', label: 'API design', code: 'ts' },
  { name: 'machinelearning', label: 'machine learning', code: 'python' },
  { name: 'ai', label: 'AI tooling', code: 'python' },
  { name: 'frontend', label: 'frontend work', code: 'ts' },
  { name: 'backend', label: 'backend work', code: 'ts' },
  { name: 'linux', label: 'Linux', code: 'bash' },
  { name: 'git', label: 'Git', code: 'bash' },
  { name: 'sql', label: 'SQL', code: 'sql' },
  { name: 'accessibility', label: 'accessibility', code: 'css' },
  { name: 'ux', label: 'user experience' },
  { name: 'startup', label: 'startups' },
  { name: 'leadership', label: 'engineering leadership' },
  { name: 'remote-work', label: 'remote work' },
  { name: 'tutorial', label: 'hands-on tutorials', code: 'ts' },
  { name: 'cloud', label: 'cloud infrastructure', code: 'yaml' },
  { name: 'microservices', label: 'microservices', code: 'yaml' },
  { name: 'graphql', label: 'GraphQL', code: 'ts' },
  { name: 'vue', label: 'Vue', code: 'ts' },
  { name: 'svelte', label: 'Svelte', code: 'ts' },
  { name: 'nextjs', label: 'Next.js', code: 'ts' },
  { name: 'redis', label: 'Redis', code: 'bash' },
  { name: 'observability', label: 'observability', code: 'yaml' },
  { name: 'ci-cd', label: 'CI/CD pipelines', code: 'yaml' },
  { name: 'functional-programming', label: 'functional programming', code: 'ts' },
  { name: 'algorithms', label: 'algorithms', code: 'python' },
  { name: 'data-engineering', label: 'data engineering', code: 'sql' },
  { name: 'mobile', label: 'mobile apps', code: 'ts' },
  { name: 'webassembly', label: 'WebAssembly', code: 'rust' },
  { name: 'deno', label: 'Deno', code: 'ts' },
  { name: 'bun', label: 'Bun', code: 'ts' },
  { name: 'writing', label: 'technical writing' },
  { name: 'mentoring', label: 'mentoring' },
  { name: 'hiring', label: 'hiring' },
  { name: 'privacy', label: 'privacy' },
  { name: 'sqlite', label: 'SQLite', code: 'sql' },
  { name: 'terraform', label: 'Terraform', code: 'bash' },
  { name: 'elixir', label: 'Elixir' },
];

export const companies = [
  'a small fintech',
  'a logistics startup',
  'a public broadcaster',
  'an online bookshop',
  'a healthcare nonprofit',
  'a game studio',
  'a climate-data company',
  'a travel marketplace',
  'a university lab',
  'a digital agency',
  'a payments company',
  'a city council',
] as const;

export const roleTitles = [
  'Backend engineer',
  'Frontend developer',
  'Full-stack developer',
  'Site reliability engineer',
  'Engineering manager',
  'Data engineer',
  'Product designer',
  'Staff engineer',
  'Developer advocate',
  'Freelance developer',
  'CS student',
  'Security engineer',
] as const;

export const hobbies = [
  'climbing',
  'baking sourdough',
  'running',
  'chess',
  'film photography',
  'cycling',
  'board games',
  'gardening',
  'jazz piano',
  'birdwatching',
  'hiking',
  'woodworking',
] as const;

/**
 * Nouns that pair with any topic ("caching in Go"). Plural ones end in `s`, and only they do:
 * the text makes verbs agree by that.
 */
export const themes = [
  'migrations',
  'error handling',
  'caching',
  'code review',
  'deployments',
  'naming',
  'onboarding',
  'incident response',
  'test suites',
  'refactoring',
  'monorepos',
  'pagination',
  'rate limiting',
  'logging',
  'feature flags',
  'dependency upgrades',
  'documentation',
  'type safety',
  'background jobs',
  'configuration',
  'state management',
  'release notes',
  'latency budgets',
  'schema design',
  'on-call rotations',
  'technical debt',
] as const;

export const adjectives = [
  'boring',
  'underrated',
  'overrated',
  'surprisingly simple',
  'harder than it looks',
  'worth the effort',
  'quietly essential',
  'misunderstood',
  'not what you think',
  'a team sport',
] as const;

/** Things, not people: they pair with every entry of `verbs`. */
export const subjects = [
  'This approach',
  'The first version',
  'A good test suite',
  'The new setup',
  'A small change',
  'The official documentation',
  'A clear convention',
  'The rewrite',
  'Our old pipeline',
  'That one config flag',
  'The on-call handbook',
  'A shared checklist',
  'The staging environment',
] as const;

export const verbs = [
  'made it easier to reason about',
  'quietly depended on',
  'changed how we think about',
  'paid for itself through',
  'exposed the weak spots in',
  'forced us to revisit',
  'simplified',
  'slowly turned into a bottleneck for',
  'turned out to be the key to',
  'removed a whole class of bugs from',
  'shaped our approach to',
  'brought clarity to',
] as const;

export const qualifiers = [
  'in practice',
  'once the codebase grew',
  'when traffic spiked',
  'after the first outage',
  'within a few weeks',
  'without much ceremony',
  'for the whole team',
  'in production',
  'on a tight deadline',
  'more than we expected',
  'long before anyone noticed',
  'at scale',
] as const;

export const openers = [
  'For a long time I assumed',
  'It took me years to accept',
  'A colleague once told me',
  'The conventional wisdom says',
  'Here is the uncomfortable truth:',
  'I used to believe',
  'Everyone on the team agreed',
  'The surprising lesson was',
] as const;

export const claims = [
  'the simplest solution is usually the right one',
  'measuring before optimising saves weeks of work',
  'the tooling matters less than the habits around it',
  'small pull requests get better reviews',
  'naming things well is half of the design',
  'most performance problems are really data-model problems',
  'writing the docs first exposes the awkward parts of an API',
  'boring technology lets you spend your novelty budget elsewhere',
  'a fast feedback loop beats a clever architecture',
  'deleting code is the most underrated skill',
] as const;

export const listItems = [
  'Start with the smallest thing that could work',
  'Write down the decision and why you made it',
  'Measure twice, optimise once',
  'Keep the happy path obvious',
  'Automate the check, not the judgement',
  'Make the failure mode loud',
  'Prefer explicit configuration over magic',
  'Delete the feature flag once it has shipped',
  'Review the error messages as carefully as the code',
  'Pair on the tricky parts',
  'Leave the campsite cleaner than you found it',
  'Set a time box before you start digging',
] as const;

export const headings = [
  'Why it matters',
  'The problem',
  'What we tried first',
  'A better approach',
  'Putting it together',
  'Trade-offs',
  'Lessons learned',
  'What I would do differently',
  'Getting started',
  'Common pitfalls',
  'Going further',
  'The results',
  'In practice',
] as const;

export const linkTargets = [
  { text: 'the official docs', url: 'https://developer.mozilla.org/' },
  { text: 'the RealWorld project', url: 'https://github.com/gothinkster/realworld' },
  { text: 'this talk', url: 'https://www.youtube.com/' },
  { text: 'the PostgreSQL manual', url: 'https://www.postgresql.org/docs/' },
  { text: 'the original RFC', url: 'https://www.rfc-editor.org/' },
  { text: 'an earlier post', url: 'https://conduit.example.com/' },
  { text: 'the changelog', url: 'https://github.com/' },
] as const;

export const commentTemplates = [
  'Great write-up, thanks for sharing!',
  'This is exactly the problem we ran into with {topic} last month.',
  'Have you tried measuring this with a larger data set? Curious whether it still holds.',
  'Bookmarked. The section on {theme} alone was worth it.',
  'I disagree a little: in my experience {theme} is the real bottleneck, not {topic}.',
  'Clear and to the point. Would love a follow-up on {theme}.',
  'We moved away from this approach, but your post makes me want to give it another go.',
  'Thanks {author}! Shared this with my team.',
  'Small nit: the second code sample is missing an import, otherwise spot on.',
  'How does this compare to what the {topic} docs recommend?',
  'This matches what we learned the hard way about {theme}.',
  'Saving this for our next retro.',
  'Could you share the numbers before and after the change?',
  'The part about {theme} really clicked for me.',
  '+1, we do the same and it has held up well for two years.',
] as const;

export const authorReplies = [
  'Thanks for reading, everyone!',
  'Good question. I will cover that in a follow-up post.',
  'Fair point, I have updated the article.',
  'Glad it helped!',
  'We measured it on production traffic; I will add the numbers.',
] as const;
