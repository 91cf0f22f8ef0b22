// A row of links between views of one page (feeds, a profile's articles), the current one marked
// for the eye and for screen readers (aria-current).
import { Link } from 'react-router';

export interface Tab {
  to: string;
  label: React.ReactNode;
  current: boolean;
}

/** `tabs` may hold `false` for a tab not shown (`viewer && {...}`). */
export function Tabs({ label, tabs }: { label: string; tabs: Array<Tab | false | null> }) {
  return (
    <nav className="tabs" aria-label={label}>
      <ul>
        {tabs.map(
          (tab) =>
            tab && (
              <li key={tab.to}>
                <Link to={tab.to} aria-current={tab.current ? 'page' : undefined}>
                  {tab.label}
                </Link>
              </li>
            ),
        )}
      </ul>
    </nav>
  );
}
